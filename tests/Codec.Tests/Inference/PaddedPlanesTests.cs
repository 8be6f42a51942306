using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>The zero-padded input buffers and the phase split of a stride-2 convolution's input (<see cref="PaddedPlanes"/>), against their definitions.</summary>
public sealed class PaddedPlanesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(100)]
    public void UnzipPutsTheEvenElementsInOneRowAndTheOddInTheOther(int n)
    {
        float[] row = [.. Enumerable.Range(0, n).Select(i => i + 0.5f)];
        float[] evens = new float[(n + 1) / 2 + 1], odds = new float[n / 2 + 1];
        evens[^1] = odds[^1] = -7;

        PaddedPlanes.Unzip(row, evens.AsSpan(0, (n + 1) / 2), odds.AsSpan(0, n / 2));

        Assert.Equal([.. Enumerable.Range(0, (n + 1) / 2).Select(j => (2 * j) + 0.5f)], evens[..^1]);
        Assert.Equal([.. Enumerable.Range(0, n / 2).Select(j => (2 * j) + 1.5f)], odds[..^1]);
        Assert.Equal(-7, evens[^1]); // nothing written past the rows
        Assert.Equal(-7, odds[^1]);
    }

    [Fact]
    public void UnzipRefusesRowsOfTheWrongLengths() =>
        Assert.Throws<ArgumentException>(() => PaddedPlanes.Unzip(new float[10], new float[5], new float[4]));

    [Theory]
    [InlineData(0, 0, 3, 5, 0)]
    [InlineData(2, 2, 4, 9, 0)]
    [InlineData(1, 2, 6, 17, 30)] // a window of columns of wider rows
    [InlineData(0, 3, 1, 40, 45)]
    public void PadPutsTheRowsInZerosOverADirtyBuffer(int top, int left, int sourceRows, int width, int rowStride)
    {
        const int Channels = 3, Offset = 7;
        int rows = sourceRows + top + 2, columns = width + (2 * left), stride = rowStride == 0 ? width : rowStride;
        long planeStride = (long)sourceRows * stride + 3;
        var random = new Random(top * 100 + width);
        float[] source = [.. Enumerable.Range(0, (int)(Offset + (Channels * planeStride))).Select(_ => (float)random.NextDouble() + 1)];
        var pool = new BufferPool(1L << 24);
        int size = Channels * rows * columns + DirectConvolution.InputSlack;
        float[] dirty = Enumerable.Repeat(float.NaN, size).ToArray();
        pool.Return(dirty); // the pool hands this one out again: nothing may be left of it

        float[] padded = PaddedPlanes.Pad(source, Offset, planeStride, Channels, sourceRows, width, top, left, rows, columns, pool, CancellationToken.None, rowStride);

        Assert.Same(dirty, padded);
        for (int c = 0; c < Channels; c++)
        {
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < columns; x++)
                {
                    int sy = y - top, sx = x - left;
                    float expected = sy >= 0 && sy < sourceRows && sx >= 0 && sx < width ? source[Offset + (c * planeStride) + (sy * stride) + sx] : 0;
                    Assert.Equal(expected, padded[((long)c * rows + y) * columns + x]);
                }
            }
        }

        Assert.All(padded[(Channels * rows * columns)..], v => Assert.Equal(0f, v)); // the kernel's slack
        Assert.Throws<ArgumentOutOfRangeException>(() => PaddedPlanes.Pad(source, Offset, planeStride, Channels, sourceRows, width, top, left, rows - top - 3, columns, pool, CancellationToken.None, rowStride));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 7, 40)]
    [InlineData(2, 8, 41)]
    [InlineData(1, 5, 33)]
    [InlineData(3, 4, 18)]
    public void SplitPhasesHoldsEachPaddedElementInItsPhase(int left, int sourceRows, int width)
    {
        const int Channels = 3, Top = 1;
        int rows = sourceRows + Top + 2, columns = width + (2 * left);
        var random = new Random(left * 100 + width);
        float[] source = [.. Enumerable.Range(0, Channels * sourceRows * width).Select(_ => (float)random.NextDouble() + 1)];
        var pool = new BufferPool(1L << 20);
        pool.Return(Enumerable.Repeat(float.NaN, 1 << 16).ToArray()); // a dirty buffer to rent: the padding must be zeros

        float[] phases = PaddedPlanes.SplitPhases(source, 0, (long)sourceRows * width, Channels, sourceRows, width, Top, left, rows, columns, pool, CancellationToken.None, out int phaseRows, out int phaseColumns);

        Assert.Equal((rows + 1) / 2, phaseRows);
        Assert.Equal((columns + 1) / 2, phaseColumns);
        for (int c = 0; c < Channels; c++)
        {
            for (int py = 0; py < 2 * phaseRows; py++)
            {
                for (int px = 0; px < 2 * phaseColumns; px++)
                {
                    int y = py - Top, x = px - left;
                    float expected = y >= 0 && y < sourceRows && x >= 0 && x < width ? source[(c * sourceRows + y) * width + x] : 0;
                    long at = ((c * 4) + ((py & 1) * 2) + (px & 1)) * (long)phaseRows * phaseColumns + ((py >> 1) * phaseColumns) + (px >> 1);
                    Assert.Equal(expected, phases[at]);
                }
            }
        }
    }
}
