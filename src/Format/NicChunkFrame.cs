using System.Buffers;

namespace Nic.Format;

/// <summary>
/// A whole chunk as <see cref="NicChunkParser.TryReadChunk"/> found it: type, file offset, payload length, the CRC
/// it checked and the payload, a slice of the parsed bytes (spec/nic-format.md §5.1).
/// </summary>
internal readonly struct NicChunkFrame
{
    /// <summary>Creates a frame.</summary>
    public NicChunkFrame(NicChunkType type, long offset, int length, uint crc, ReadOnlySequence<byte> payload)
    {
        Type = type;
        Offset = offset;
        Length = length;
        Crc = crc;
        Payload = payload;
    }

    /// <summary>The chunk type.</summary>
    public NicChunkType Type { get; }

    /// <summary>The file offset of the chunk's length field.</summary>
    public long Offset { get; }

    /// <summary>The payload length.</summary>
    public int Length { get; }

    /// <summary>The CRC-32 of the type and payload, equal to the stored one.</summary>
    public uint Crc { get; }

    /// <summary>The payload, valid as long as the bytes it was parsed from.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The size of the whole chunk: length and type fields, payload and CRC.</summary>
    public long TotalLength => NicConstants.ChunkHeaderLength + (long)Length + NicConstants.ChunkCrcLength;
}
