using Nic.Codec.Imaging;
using Nic.Codec.Inference;

namespace Nic.Codec.Pipeline;

/// <summary>
/// Conversions between 8-bit RGB pixels and the planar [0, 1] maps the networks work on (spec/nic-coding.md §11.1
/// and §11.5): padding by edge replication on the way in, clamping, rounding and cropping on the way out.
/// </summary>
internal static class ImagePlanes
{
    private const float ToUnit = 1f / 255f;

    /// <summary>
    /// Rows <paramref name="firstRow"/> … of the image padded to <paramref name="paddedWidth"/> columns and an unlimited
    /// height by replicating the last column, then the last row: 3 × rowCount × paddedWidth, sample / 255. Every element
    /// is written; the token is looked at before each row.
    /// </summary>
    public static FeatureMap ToPlanes(RgbImage image, int paddedWidth, int firstRow, int rowCount, CancellationToken cancellationToken = default)
    {
        var planes = new FeatureMap(3, rowCount, paddedWidth, GC.AllocateUninitializedArray<float>(checked(3 * rowCount * paddedWidth)));
        for (int r = 0; r < rowCount; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadOnlySpan<byte> source = image.GetRow(Math.Min(firstRow + r, image.Height - 1));
            Span<float> red = planes.Row(0, r);
            Span<float> green = planes.Row(1, r);
            Span<float> blue = planes.Row(2, r);
            for (int x = 0; x < image.Width; x++)
            {
                red[x] = source[3 * x] * ToUnit;
                green[x] = source[(3 * x) + 1] * ToUnit;
                blue[x] = source[(3 * x) + 2] * ToUnit;
            }

            red[image.Width..].Fill(red[image.Width - 1]);
            green[image.Width..].Fill(green[image.Width - 1]);
            blue[image.Width..].Fill(blue[image.Width - 1]);
        }

        return planes;
    }

    /// <summary>
    /// Writes rows <paramref name="sourceRow"/> … <paramref name="sourceRow"/> + <paramref name="rowCount"/> − 1 of a
    /// reconstruction (3 × rows × columns ≥ width) as 8-bit RGB, the first <paramref name="width"/> columns only:
    /// each sample is round(clamp(v, 0, 1) · 255) with halves to even, NaN as 0.
    /// </summary>
    public static void ToPixels(FeatureMap reconstruction, int sourceRow, int rowCount, int width, Span<byte> destination)
    {
        int stride = width * RgbImage.BytesPerPixel;
        for (int r = 0; r < rowCount; r++)
        {
            Span<byte> row = destination.Slice(r * stride, stride);
            for (int c = 0; c < 3; c++)
            {
                ReadOnlySpan<float> plane = reconstruction.Row(c, sourceRow + r);
                for (int x = 0; x < width; x++)
                {
                    row[(3 * x) + c] = ToSample(plane[x]);
                }
            }
        }
    }

    /// <summary>round(clamp(v, 0, 1) · 255), halves to even, in binary32; NaN gives 0.</summary>
    public static byte ToSample(float value)
    {
        if (!(value > 0f))
        {
            return 0;
        }

        if (value >= 1f)
        {
            return 255;
        }

        return (byte)MathF.Round(value * 255f, MidpointRounding.ToEven);
    }

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="alignment"/>.</summary>
    public static int Align(int value, int alignment) => (int)(((long)value + alignment - 1) / alignment * alignment);
}
