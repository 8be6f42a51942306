namespace Nic.Codec.Inference;

/// <summary>
/// Builds the zero-padded (and, for stride 2, phase-split) input buffers the convolution kernel reads. The buffers
/// are rented from the model's buffer pool; give them back to it when the layer is done. Both look at the cancellation
/// token before each channel, so that a cancelled run does not finish copying a large input first. The source is a
/// run of rows of each channel plane (planeStride floats from one channel's first row to the next
/// channel's, rows <c>width</c> floats long), so that a layer can read a window of rows of a larger input.
/// </summary>
internal static class PaddedPlanes
{
    /// <summary>
    /// Copies <paramref name="sourceRows"/> rows of <paramref name="channels"/> planes of <paramref name="width"/> columns
    /// (from <paramref name="sourceOffset"/> in <paramref name="source"/>) into planes of <paramref name="rows"/> ×
    /// <paramref name="columns"/>, with the first source row at (<paramref name="top"/>, <paramref name="left"/>) and zeros
    /// elsewhere, plus kernel slack.
    /// </summary>
    public static float[] Pad(float[] source, long sourceOffset, long planeStride, int channels, int sourceRows, int width, int top, int left, int rows, int columns, BufferPool pool, CancellationToken cancellationToken)
    {
        long plane = (long)rows * columns;
        float[] buffer = pool.Rent(channels * plane + DirectConvolution.InputSlack, zeroed: true, cancellationToken);
        for (int c = 0; c < channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < sourceRows; y++)
            {
                source.AsSpan((int)(sourceOffset + (c * planeStride) + ((long)y * width)), width)
                    .CopyTo(buffer.AsSpan((int)(c * plane + (long)(y + top) * columns + left), width));
            }
        }

        return buffer;
    }

    /// <summary>
    /// Splits zero-padded planes of <paramref name="rows"/> × <paramref name="columns"/> (the source rows placed as by
    /// <see cref="Pad"/>; <paramref name="top"/> ≥ 0) into four phase planes each (even/odd row × even/odd column), phase
    /// (a, b) at index 2a + b holding padded[2i + a][2j + b], every phase plane <c>⌈rows/2⌉ × ⌈columns/2⌉</c>. A stride-2
    /// convolution over the padded planes is a stride-1 one over the phases.
    /// </summary>
    public static float[] SplitPhases(float[] source, long sourceOffset, long planeStride, int channels, int sourceRows, int width, int top, int left, int rows, int columns, BufferPool pool, CancellationToken cancellationToken, out int phaseRows, out int phaseColumns)
    {
        phaseRows = (rows + 1) / 2;
        phaseColumns = (columns + 1) / 2;
        long phasePlane = (long)phaseRows * phaseColumns;
        float[] buffer = pool.Rent(channels * 4 * phasePlane + DirectConvolution.InputSlack, zeroed: true, cancellationToken);
        for (int c = 0; c < channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < sourceRows; y++)
            {
                int py = y + top;
                ReadOnlySpan<float> row = source.AsSpan((int)(sourceOffset + (c * planeStride) + ((long)y * width)), width);
                for (int b = 0; b < 2; b++)
                {
                    long rowBase = (c * 4 + (py & 1) * 2 + b) * phasePlane + (long)(py >> 1) * phaseColumns;
                    for (int xIndex = 0; xIndex < row.Length; xIndex++)
                    {
                        int px = xIndex + left;
                        if ((px & 1) == b)
                        {
                            buffer[rowBase + (px >> 1)] = row[xIndex];
                        }
                    }
                }
            }
        }

        return buffer;
    }
}
