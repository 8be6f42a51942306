using System.Buffers;

namespace Nic.Format;

/// <summary>
/// A chunk as <see cref="NicReader.ReadChunkAsync"/> returns it, after its order, limits and
/// CRC have been checked (spec/nic-format.md §5, §6): the public view of the frame the parser found.
/// </summary>
public sealed class NicChunkInfo
{
    private readonly NicChunkFrame _frame;

    internal NicChunkInfo(in NicChunkFrame frame) => _frame = frame;

    /// <summary>The chunk type.</summary>
    public NicChunkType Type => _frame.Type;

    /// <summary>The file offset of the chunk's first byte (its length field).</summary>
    public long Offset => _frame.Offset;

    /// <summary>The payload length in bytes.</summary>
    public int Length => _frame.Length;

    /// <summary>The chunk's CRC-32, which the reader has verified.</summary>
    public uint Crc => _frame.Crc;

    /// <summary>The payload. Valid only until the next call on the reader.</summary>
    public ReadOnlySequence<byte> Payload => _frame.Payload;

    /// <summary>The size of the whole chunk in the file: length and type fields, payload and CRC.</summary>
    public long TotalLength => _frame.TotalLength;
}
