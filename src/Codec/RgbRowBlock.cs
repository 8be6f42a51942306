namespace Nic.Codec;

/// <summary>Decoded image rows handed out as a band completes: rows <see cref="FirstRow"/> … of the final image.</summary>
public sealed class RgbRowBlock
{
    internal RgbRowBlock(int firstRow, int rowCount, int width, byte[] pixels)
    {
        FirstRow = firstRow;
        RowCount = rowCount;
        Width = width;
        Pixels = pixels;
    }

    /// <summary>The image row of the block's first row.</summary>
    public int FirstRow { get; }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The image width in pixels.</summary>
    public int Width { get; }

    /// <summary>RowCount rows of Width pixels, R G B, no padding.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }

    /// <summary>The bytes of one row of the block, 0 ≤ <paramref name="row"/> &lt; <see cref="RowCount"/>.</summary>
    public ReadOnlySpan<byte> GetRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return Pixels.Span.Slice(row * Width * 3, Width * 3);
    }
}
