using System.Buffers;

namespace Nic.Format;

/// <summary>One band of the y substream, read from a <c>YBND</c> chunk (spec/nic-format.md §5.3, §7.3).</summary>
public sealed class NicBand
{
    internal NicBand(int index, int firstRow, int rowCount, long offset, ReadOnlySequence<byte> payload)
    {
        Index = index;
        FirstRow = firstRow;
        RowCount = rowCount;
        Offset = offset;
        Payload = payload;
    }

    /// <summary>The band index, 0 … band count − 1.</summary>
    public int Index { get; }

    /// <summary>The first y row the band covers.</summary>
    public int FirstRow { get; }

    /// <summary>The number of y rows the band covers.</summary>
    public int RowCount { get; }

    /// <summary>The file offset of the band's <c>YBND</c> chunk.</summary>
    public long Offset { get; }

    /// <summary>The band's coded bytes (without the band index). Valid only until the next call on the reader.</summary>
    public ReadOnlySequence<byte> Payload { get; }
}
