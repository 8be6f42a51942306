namespace Nic.Codec.EntropyModels;

/// <summary>
/// The one rounding rule of the latent coders (spec/nic-coding.md §10): v = round(x − c) in binary32, halves to even,
/// and back x̂ = v + c, where c is a median (the bottleneck) or a mean (the Gaussian conditional).
/// </summary>
public static class LatentQuantizer
{
    /// <summary>The symbol value of <paramref name="x"/> around <paramref name="centre"/>.</summary>
    /// <exception cref="ArgumentException">The latent is not finite or rounds outside the 32-bit range.</exception>
    public static int Quantize(float x, float centre, long position)
    {
        float rounded = MathF.Round(x - centre, MidpointRounding.ToEven);
        if (!(rounded >= int.MinValue && rounded < 2147483648f))
        {
            throw new ArgumentException($"latent element {position} is {x} (centre {centre}); latents must be finite and round into the 32-bit range");
        }

        return (int)rounded;
    }

    /// <summary>The reconstruction of symbol value <paramref name="value"/> around <paramref name="centre"/>.</summary>
    public static float Dequantize(int value, float centre) => value + centre;
}
