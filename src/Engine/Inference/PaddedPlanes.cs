namespace Nic.Codec.Inference;

/// <summary>
/// Builds the zero-padded (and, for stride 2, phase-split) input buffers the convolution kernel reads. The buffers
/// are rented from the model's buffer pool; give them back to it when the layer is done. Both look at the cancellation
/// token before each channel, so that a cancelled run does not finish copying a large input first.
/// </summary>
internal static class PaddedPlanes
{

    /// <summary>
    /// Copies <paramref name="x"/> into planes of <paramref name="rows"/> × <paramref name="columns"/> with its origin
    /// at (<paramref name="top"/>, <paramref name="left"/>) and zeros elsewhere, plus kernel slack.
    /// </summary>
    public static float[] Pad(FeatureMap x, int top, int left, int rows, int columns, BufferPool pool, CancellationToken cancellationToken)
    {
        long plane = (long)rows * columns;
        float[] buffer = pool.Rent(x.Channels * plane + DirectConvolution.InputSlack, zeroed: true, cancellationToken);
        for (int c = 0; c < x.Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < x.Height; y++)
            {
                Span<float> target = buffer.AsSpan((int)(c * plane + (long)(y + top) * columns + left), x.Width);
                x.Row(c, y).CopyTo(target);
            }
        }

        return buffer;
    }

    /// <summary>
    /// Splits zero-padded planes of <paramref name="rows"/> × <paramref name="columns"/> into four phase planes each
    /// (even/odd row × even/odd column), phase (a, b) at index 2a + b holding padded[2i + a][2j + b], every phase plane
    /// <c>⌈rows/2⌉ × ⌈columns/2⌉</c>. A stride-2 convolution over the padded planes is a stride-1 one over the phases.
    /// </summary>
    public static float[] SplitPhases(FeatureMap x, int pad, int rows, int columns, BufferPool pool, CancellationToken cancellationToken, out int phaseRows, out int phaseColumns)
    {
        phaseRows = (rows + 1) / 2;
        phaseColumns = (columns + 1) / 2;
        long phasePlane = (long)phaseRows * phaseColumns;
        float[] buffer = pool.Rent(x.Channels * 4 * phasePlane + DirectConvolution.InputSlack, zeroed: true, cancellationToken);
        for (int c = 0; c < x.Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < x.Height; y++)
            {
                int py = y + pad;
                ReadOnlySpan<float> source = x.Row(c, y);
                for (int b = 0; b < 2; b++)
                {
                    long rowBase = (c * 4 + (py & 1) * 2 + b) * phasePlane + (long)(py >> 1) * phaseColumns;
                    for (int xIndex = 0; xIndex < source.Length; xIndex++)
                    {
                        int px = xIndex + pad;
                        if ((px & 1) == b)
                        {
                            buffer[rowBase + (px >> 1)] = source[xIndex];
                        }
                    }
                }
            }
        }

        return buffer;
    }
}
