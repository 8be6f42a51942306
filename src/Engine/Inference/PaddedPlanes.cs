using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// (from <paramref name="sourceOffset"/> in <paramref name="source"/>, rows <paramref name="rowStride"/> floats apart,
    /// or <paramref name="width"/> when it is 0) into planes of <paramref name="rows"/> × <paramref name="columns"/>, with
    /// the first source row at (<paramref name="top"/>, <paramref name="left"/>) and zeros elsewhere, plus kernel slack.
    /// Only the zeros are written besides the copy (the buffer is not cleared first: a decode's g_s cleared about as many
    /// floats as it copied).
    /// </summary>
    public static float[] Pad(float[] source, long sourceOffset, long planeStride, int channels, int sourceRows, int width, int top, int left, int rows, int columns, BufferPool pool, CancellationToken cancellationToken, int rowStride = 0)
    {
        if (top < 0 || left < 0 || top + sourceRows > rows || left + width > columns)
        {
            throw new ArgumentOutOfRangeException(nameof(top), $"{sourceRows} × {width} at ({top}, {left}) does not fit {rows} × {columns}");
        }

        long plane = (long)rows * columns;
        long sourceRowStride = rowStride == 0 ? width : rowStride;
        float[] buffer = pool.Rent(channels * plane + DirectConvolution.InputSlack, zeroed: false, cancellationToken);
        int right = columns - left - width;
        for (int c = 0; c < channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long planeStart = c * plane;
            buffer.AsSpan((int)planeStart, (int)((long)top * columns)).Clear();
            for (int y = 0; y < sourceRows; y++)
            {
                int rowStart = (int)(planeStart + (long)(y + top) * columns);
                buffer.AsSpan(rowStart, left).Clear();
                source.AsSpan((int)(sourceOffset + (c * planeStride) + (y * sourceRowStride)), width).CopyTo(buffer.AsSpan(rowStart + left, width));
                buffer.AsSpan(rowStart + left + width, right).Clear();
            }

            long below = planeStart + (long)(top + sourceRows) * columns;
            buffer.AsSpan((int)below, (int)(planeStart + plane - below)).Clear();
        }

        buffer.AsSpan((int)(channels * plane), DirectConvolution.InputSlack).Clear();
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
        // Source column x lands at padded column x + left: the even columns in one phase, the odd ones in the other.
        int evenPhase = left & 1, evenColumn = left >> 1, oddPhase = (left + 1) & 1, oddColumn = (left + 1) >> 1;
        for (int c = 0; c < channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int y = 0; y < sourceRows; y++)
            {
                int py = y + top;
                ReadOnlySpan<float> row = source.AsSpan((int)(sourceOffset + (c * planeStride) + ((long)y * width)), width);
                long rowBase = (c * 4 + (py & 1) * 2) * phasePlane + (long)(py >> 1) * phaseColumns;
                Unzip(
                    row,
                    buffer.AsSpan((int)(rowBase + (evenPhase * phasePlane) + evenColumn), (width + 1) / 2),
                    buffer.AsSpan((int)(rowBase + (oddPhase * phasePlane) + oddColumn), width / 2));
            }
        }

        return buffer;
    }

    /// <summary>
    /// Copies the even elements of <paramref name="row"/> (0, 2, 4 …) to <paramref name="evens"/> and the odd ones to
    /// <paramref name="odds"/>, in order: ⌈n/2⌉ and ⌊n/2⌋ of them. Eight of each at a time in 256-bit vectors (a
    /// permute of each of two loaded vectors, halves joined); a copy, so the same floats with or without intrinsics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Unzip(ReadOnlySpan<float> row, Span<float> evens, Span<float> odds)
    {
        int n = row.Length;
        if (evens.Length != (n + 1) / 2 || odds.Length != n / 2)
        {
            throw new ArgumentException($"a row of {n} unzips into {(n + 1) / 2} and {n / 2}, not {evens.Length} and {odds.Length}");
        }

        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<int> evenLanes = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            ref float source = ref MemoryMarshal.GetReference(row);
            ref float evenTarget = ref MemoryMarshal.GetReference(evens);
            ref float oddTarget = ref MemoryMarshal.GetReference(odds);
            for (; 2 * j + 16 <= n; j += 8)
            {
                // Each vector's evens to its lower half and odds to its upper half; then the halves of the two are joined.
                Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(2 * j)), evenLanes);
                Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(2 * j + 8)), evenLanes);
                Vector256.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref evenTarget, (nuint)j);
                Vector256.Create(a.GetUpper(), b.GetUpper()).StoreUnsafe(ref oddTarget, (nuint)j);
            }
        }

        for (; 2 * j + 1 < n; j++)
        {
            evens[j] = row[2 * j];
            odds[j] = row[(2 * j) + 1];
        }

        if (2 * j < n)
        {
            evens[j] = row[2 * j];
        }
    }
}
