using System.Runtime.Intrinsics;

namespace Nic.Codec.Inference;

/// <summary>Builds the zero-padded (and, for stride 2, phase-split) input buffers the convolution kernel reads.</summary>
internal static class PaddedPlanes
{
    /// <summary>
    /// Copies <paramref name="x"/> into planes of <paramref name="rows"/> × <paramref name="columns"/> with its origin
    /// at (<paramref name="top"/>, <paramref name="left"/>) and zeros elsewhere, plus kernel slack.
    /// </summary>
    public static float[] Pad(FeatureMap x, int top, int left, int rows, int columns)
    {
        long plane = (long)rows * columns;
        var buffer = new float[checked(x.Channels * plane + DirectConvolution.InputSlack)];
        for (int c = 0; c < x.Channels; c++)
        {
            for (int y = 0; y < x.Height; y++)
            {
                Span<float> target = buffer.AsSpan((int)(c * plane + (long)(y + top) * columns + left), x.Width);
                x.Row(c, y).CopyTo(target);
            }
        }

        return buffer;
    }

    /// <summary>The element-wise squares of <paramref name="x"/>, unpadded, plus kernel slack (GDN's input).</summary>
    public static float[] Squares(FeatureMap x)
    {
        var buffer = new float[x.Data.Length + DirectConvolution.InputSlack];
        ReadOnlySpan<float> source = x.Data;
        int i = 0;
        for (; i <= source.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> v = Vector256.Create(source[i..]);
            (v * v).CopyTo(buffer.AsSpan(i));
        }

        for (; i < source.Length; i++)
        {
            buffer[i] = source[i] * source[i];
        }

        return buffer;
    }

    /// <summary>
    /// Splits zero-padded planes of <paramref name="rows"/> × <paramref name="columns"/> into four phase planes each
    /// (even/odd row × even/odd column), phase (a, b) at index 2a + b holding padded[2i + a][2j + b], every phase plane
    /// <c>⌈rows/2⌉ × ⌈columns/2⌉</c>. A stride-2 convolution over the padded planes is a stride-1 one over the phases.
    /// </summary>
    public static float[] SplitPhases(FeatureMap x, int pad, int rows, int columns, out int phaseRows, out int phaseColumns)
    {
        phaseRows = (rows + 1) / 2;
        phaseColumns = (columns + 1) / 2;
        long phasePlane = (long)phaseRows * phaseColumns;
        var buffer = new float[checked(x.Channels * 4 * phasePlane + DirectConvolution.InputSlack)];
        for (int c = 0; c < x.Channels; c++)
        {
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
