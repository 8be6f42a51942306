using System.Buffers;

namespace Nic.Format;

/// <summary>
/// A chunk as <see cref="NicReader.ReadChunkAsync"/> returns it, after its order, limits and
/// CRC have been checked (spec/nic-format.md §5, §6).
/// </summary>
public sealed class NicChunkInfo
{
    internal NicChunkInfo(NicChunkType type, long offset, int length, uint crc, ReadOnlySequence<byte> payload)
    {
        Type = type;
        Offset = offset;
        Length = length;
        Crc = crc;
        Payload = payload;
    }

    /// <summary>The chunk type.</summary>
    public NicChunkType Type { get; }

    /// <summary>The file offset of the chunk's first byte (its length field).</summary>
    public long Offset { get; }

    /// <summary>The payload length in bytes.</summary>
    public int Length { get; }

    /// <summary>The chunk's CRC-32, which the reader has verified.</summary>
    public uint Crc { get; }

    /// <summary>The payload. Valid only until the next call on the reader.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The size of the whole chunk in the file: length and type fields, payload and CRC.</summary>
    public long TotalLength => NicConstants.ChunkHeaderLength + (long)Length + NicConstants.ChunkCrcLength;
}
