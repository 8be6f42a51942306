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
    public static FeatureMap ToPlanes(RgbImage image, int paddedWidth, int firstRow, int rowCount, CancellationToken cancellationToken = default) =>
        ToPlanes(image, firstRow, rowCount, 0, paddedWidth, cancellationToken);

    /// <summary>
    /// The columns <paramref name="firstColumn"/> … <paramref name="firstColumn"/> + <paramref name="columnCount"/> − 1 of
    /// rows <paramref name="firstRow"/> … of the image padded to any width and height by replicating the last column, then
    /// the last row (a stripe's window of <see cref="ToPlanes(RgbImage, int, int, int, CancellationToken)"/>):
    /// 3 × rowCount × columnCount, sample / 255.
    /// </summary>
    public static FeatureMap ToPlanes(RgbImage image, int firstRow, int rowCount, int firstColumn, int columnCount, CancellationToken cancellationToken = default)
    {
        var planes = new FeatureMap(3, rowCount, columnCount, GC.AllocateUninitializedArray<float>(checked(3 * rowCount * columnCount)));
        ToPlanes(image, firstRow, firstColumn, planes, cancellationToken);
        return planes;
    }

    /// <summary>
    /// The same window as <see cref="ToPlanes(RgbImage, int, int, int, int, CancellationToken)"/>, its rows and columns
    /// <paramref name="planes"/>' (3 channels), written into <paramref name="planes"/>: every element.
    /// </summary>
    public static void ToPlanes(RgbImage image, int firstRow, int firstColumn, FeatureMap planes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstColumn);
        if (planes.Channels != 3)
        {
            throw new ArgumentException($"RGB planes have 3 channels, not {planes.Channels}", nameof(planes));
        }

        (int rowCount, int columnCount) = (planes.Height, planes.Width);
        int inside = Math.Clamp(image.Width - firstColumn, 0, columnCount);
        int last = image.Width - 1;
        for (int r = 0; r < rowCount; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ReadOnlySpan<byte> source = image.GetRow(Math.Min(firstRow + r, image.Height - 1));
            Span<float> red = planes.Row(0, r);
            Span<float> green = planes.Row(1, r);
            Span<float> blue = planes.Row(2, r);
            for (int x = 0; x < inside; x++)
            {
                int at = 3 * (firstColumn + x);
                red[x] = source[at] * ToUnit;
                green[x] = source[at + 1] * ToUnit;
                blue[x] = source[at + 2] * ToUnit;
            }

            red[inside..].Fill(source[3 * last] * ToUnit);
            green[inside..].Fill(source[(3 * last) + 1] * ToUnit);
            blue[inside..].Fill(source[(3 * last) + 2] * ToUnit);
        }
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
