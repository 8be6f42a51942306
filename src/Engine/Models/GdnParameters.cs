namespace Nic.Codec.Models;

/// <summary>
/// The GDN / inverse-GDN parameters of a model file (spec/nic-model.md §5). Files store CompressAI's raw
/// reparametrized <c>beta</c> and <c>gamma</c>; the effective values are
/// <c>max(raw, bound)² − pedestal</c>, evaluated in binary32 arithmetic as three separately rounded steps.
/// </summary>
public static class GdnParameters
{
    /// <summary>The reparametrization offset, 2^-18.</summary>
    public const float ReparametrizationOffset = 3.814697265625E-06f;

    /// <summary>The pedestal, (2^-18)² = 2^-36, exact in binary32.</summary>
    public const float Pedestal = 1.4551915228366852E-11f;

    /// <summary>The lower bound of raw gamma: sqrt(0 + pedestal) = 2^-18.</summary>
    public const float GammaBound = ReparametrizationOffset;

    /// <summary>The minimum effective beta of CompressAI's GDN, 10^-6.</summary>
    public const double BetaMinimum = 1e-6;

    /// <summary>The lower bound of raw beta: sqrt(10^-6 + 2^-36) computed in binary64, rounded to binary32 (0x3A8312AD ≈ 1.00000727e-3).</summary>
    public static readonly float BetaBound = (float)Math.Sqrt(BetaMinimum + (double)Pedestal);

    /// <summary>
    /// Computes effective beta (length C) and gamma (C × C, row-major; row i weights the squared inputs of output
    /// channel i) from the raw values of a file.
    /// </summary>
    /// <exception cref="ArgumentException">Gamma is not C × C.</exception>
    internal static (float[] Beta, float[] Gamma) Effective(ReadOnlySpan<float> rawBeta, ReadOnlySpan<float> rawGamma)
    {
        if ((long)rawBeta.Length * rawBeta.Length != rawGamma.Length)
        {
            throw new ArgumentException($"gamma has {rawGamma.Length} values; {rawBeta.Length} channels need {(long)rawBeta.Length * rawBeta.Length}");
        }

        var beta = new float[rawBeta.Length];
        for (int i = 0; i < beta.Length; i++)
        {
            beta[i] = EffectiveValue(rawBeta[i], BetaBound);
        }

        var gamma = new float[rawGamma.Length];
        for (int i = 0; i < gamma.Length; i++)
        {
            gamma[i] = EffectiveValue(rawGamma[i], GammaBound);
        }

        return (beta, gamma);
    }

    /// <summary>One effective value: b = max(raw, bound); s = b · b rounded to binary32; s − pedestal rounded to binary32.</summary>
    internal static float EffectiveValue(float raw, float bound)
    {
        float bounded = raw > bound ? raw : bound;
        float square = bounded * bounded;
        float effective = square - Pedestal;
        return effective;
    }

    /// <summary>The raw value that CompressAI's initialisation stores for an effective value: sqrt(max(v + pedestal, pedestal)).</summary>
    internal static float RawFromEffective(float effective) => MathF.Sqrt(MathF.Max(effective + Pedestal, Pedestal));
}
