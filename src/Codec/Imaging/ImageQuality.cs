namespace Nic.Codec.Imaging;

/// <summary>Distortion between two images of the same size, over all three channels (RGB PSNR, as CompressAI and the RD literature report it).</summary>
public static class ImageQuality
{
    /// <summary>The mean squared error per 8-bit sample, over every R, G and B sample.</summary>
    /// <exception cref="ArgumentException">The images differ in size.</exception>
    public static double MeanSquaredError(RgbImage reference, RgbImage test)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (reference.Width != test.Width || reference.Height != test.Height)
        {
            throw new ArgumentException($"a {test.Width}×{test.Height} image cannot be compared with a {reference.Width}×{reference.Height} one", nameof(test));
        }

        ReadOnlySpan<byte> a = reference.Pixels;
        ReadOnlySpan<byte> b = test.Pixels;
        double total = 0;
        const int Block = 1 << 20;
        for (int start = 0; start < a.Length; start += Block)
        {
            long sum = 0;
            int end = Math.Min(a.Length, start + Block);
            for (int i = start; i < end; i++)
            {
                int d = a[i] - b[i];
                sum += d * d;
            }

            total += sum;
        }

        return total / a.Length;
    }

    /// <summary>The peak signal-to-noise ratio in dB, 10·log10(255² / MSE); +∞ for identical images.</summary>
    /// <exception cref="ArgumentException">The images differ in size.</exception>
    public static double Psnr(RgbImage reference, RgbImage test) => PsnrFromMse(MeanSquaredError(reference, test));

    /// <summary>The PSNR in dB of a mean squared error per 8-bit sample.</summary>
    public static double PsnrFromMse(double mse) => mse <= 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
}
