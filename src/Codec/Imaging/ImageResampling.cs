namespace Nic.Codec.Imaging;

/// <summary>Resizing of <see cref="RgbImage"/>s.</summary>
public static class ImageResampling
{
    /// <summary>
    /// Shrinks <paramref name="image"/> by an integer factor: each output pixel is the mean of a
    /// <paramref name="factor"/> × <paramref name="factor"/> block, rounded to nearest; the output is
    /// ⌊width / factor⌋ × ⌊height / factor⌋ and partial blocks at the right and bottom are dropped. Factor 1 returns
    /// the image itself. Metadata is not carried.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The factor is below 1 or larger than a side.</exception>
    public static RgbImage BoxDownscale(RgbImage image, int factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        if (factor > image.Width || factor > image.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), $"a {image.Width}×{image.Height} image cannot be shrunk by {factor}");
        }

        if (factor == 1)
        {
            return image;
        }

        var output = new RgbImage(image.Width / factor, image.Height / factor);
        int area = factor * factor;
        Parallel.For(0, output.Height, y =>
        {
            Span<int> sums = stackalloc int[3];
            Span<byte> target = output.GetRow(y);
            for (int x = 0; x < output.Width; x++)
            {
                sums.Clear();
                for (int dy = 0; dy < factor; dy++)
                {
                    ReadOnlySpan<byte> row = image.GetRow((y * factor) + dy).Slice(x * factor * 3, factor * 3);
                    for (int i = 0; i < row.Length; i += 3)
                    {
                        sums[0] += row[i];
                        sums[1] += row[i + 1];
                        sums[2] += row[i + 2];
                    }
                }

                target[3 * x] = (byte)((sums[0] + (area / 2)) / area);
                target[(3 * x) + 1] = (byte)((sums[1] + (area / 2)) / area);
                target[(3 * x) + 2] = (byte)((sums[2] + (area / 2)) / area);
            }
        });
        return output;
    }
}
