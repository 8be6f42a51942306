using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;

namespace Nic.Format;

/// <summary>
/// Parses the preamble and the chunk framing of a <c>.nic</c> file from bytes in memory (spec/nic-format.md §3, §4,
/// §5 and rules 1–3 and 6 of §6). It keeps no state and never waits: a method reads one whole structure and moves
/// the reader past it, or returns false and leaves the reader where it was when the bytes present end before the
/// structure does. Wrong bytes throw <see cref="NicFormatException"/> as soon as they are present. What a short
/// input means, more to wait for or <see cref="NicFormatError.Truncated"/>, is for the caller to say
/// (<see cref="NicReaderCore"/>).
/// </summary>
internal static class NicChunkParser
{
    /// <summary>The offset of the type field in a chunk.</summary>
    private const int TypeOffset = 4;

    /// <summary>Reads the signature and the version (spec §3, §4).</summary>
    /// <param name="reader">Positioned at the first byte of the file.</param>
    /// <param name="version">The version, of major 1, when the result is true.</param>
    /// <returns>True when all 10 bytes were present; false when fewer are and they match the signature so far.</returns>
    /// <exception cref="NicFormatException">
    /// <see cref="NicFormatError.BadSignature"/> at 0 as soon as a byte present differs from the signature;
    /// <see cref="NicFormatError.UnsupportedVersion"/> at 8.
    /// </exception>
    public static bool TryReadPreamble(ref SequenceReader<byte> reader, [NotNullWhen(true)] out Version? version)
    {
        version = null;
        var signature = NicConstants.Signature;
        Span<byte> present = stackalloc byte[NicConstants.Signature.Length];
        present = present[..(int)Math.Min(reader.Remaining, signature.Length)];
        reader.TryCopyTo(present);
        if (!present.SequenceEqual(signature[..present.Length]))
        {
            throw new NicFormatException(NicFormatError.BadSignature, 0, "the file does not start with the .nic signature.");
        }

        if (reader.Remaining < NicConstants.PreambleLength)
        {
            return false;
        }

        reader.TryPeek(signature.Length, out var major);
        reader.TryPeek(signature.Length + 1, out var minor);
        if (major != NicConstants.MajorVersion)
        {
            throw new NicFormatException(
                NicFormatError.UnsupportedVersion,
                signature.Length,
                $"version {major}.{minor} is not readable; this reader reads major version {NicConstants.MajorVersion}.");
        }

        version = new Version(major, minor);
        reader.Advance(NicConstants.PreambleLength);
        return true;
    }

    /// <summary>The type of the chunk that starts at the reader, without checking anything or moving the reader.</summary>
    /// <param name="reader">Positioned at a chunk's length field.</param>
    /// <param name="type">The type, or null when the type bytes are not four letters; meaningful when the result is true.</param>
    /// <returns>True when the 8-byte chunk header was present.</returns>
    public static bool TryPeekChunkType(in SequenceReader<byte> reader, out NicChunkType? type)
    {
        type = null;
        var header = reader;
        if (!header.TryReadLittleEndian(out int _) || !header.TryReadLittleEndian(out int typeBytes))
        {
            return false;
        }

        if (NicChunkType.TryCreate((uint)typeBytes, out var known))
        {
            type = known;
        }

        return true;
    }

    /// <summary>
    /// Reads a chunk's length and type and checks them (spec §6 rules 1–3): what can be known of a chunk before its
    /// payload arrives, apart from its place in the order.
    /// </summary>
    /// <param name="reader">Positioned at a chunk's length field; on success, moved to its payload.</param>
    /// <param name="offset">The file offset of the chunk, where errors are reported.</param>
    /// <param name="maxChunkLength">The reader's limit on the payload length.</param>
    /// <param name="type">The chunk type when the result is true.</param>
    /// <param name="length">The payload length when the result is true.</param>
    /// <returns>True when the 8 bytes were present.</returns>
    /// <exception cref="NicFormatException">
    /// <see cref="NicFormatError.InvalidChunkType"/>, <see cref="NicFormatError.ChunkTooLarge"/> or
    /// <see cref="NicFormatError.UnknownCriticalChunk"/>, in that order, at <paramref name="offset"/>.
    /// </exception>
    public static bool TryReadChunkHeader(
        ref SequenceReader<byte> reader, long offset, int maxChunkLength, out NicChunkType type, out int length)
    {
        type = default;
        length = 0;
        var next = reader;
        if (!next.TryReadLittleEndian(out int lengthField) || !next.TryReadLittleEndian(out int typeField))
        {
            return false;
        }

        var typeBytes = (uint)typeField;
        if (!NicChunkType.TryCreate(typeBytes, out type))
        {
            throw new NicFormatException(
                NicFormatError.InvalidChunkType, offset, $"chunk type bytes 0x{typeBytes:X8} (little-endian) are not four ASCII letters.");
        }

        var payloadLength = (uint)lengthField;
        if (payloadLength > NicConstants.MaxChunkLength || payloadLength > (uint)maxChunkLength)
        {
            throw new NicFormatException(
                NicFormatError.ChunkTooLarge,
                offset,
                $"{type} chunk length {payloadLength} is above the limit {Math.Min(NicConstants.MaxChunkLength, maxChunkLength)}.");
        }

        if (type.IsCritical && !type.IsKnown)
        {
            throw new NicFormatException(NicFormatError.UnknownCriticalChunk, offset, $"critical chunk type {type} is not defined by version 1.");
        }

        length = (int)payloadLength;
        reader = next;
        return true;
    }

    /// <summary>
    /// Reads a whole chunk: its header as <see cref="TryReadChunkHeader"/> does, then its payload and CRC, which must
    /// match (spec §5.1, §6 rule 6).
    /// </summary>
    /// <param name="reader">Positioned at a chunk's length field; on success, moved past its CRC.</param>
    /// <param name="offset">The file offset of the chunk, where errors are reported.</param>
    /// <param name="maxChunkLength">The reader's limit on the payload length.</param>
    /// <param name="frame">The chunk, its payload a slice of the reader's bytes, when the result is true.</param>
    /// <returns>True when the whole chunk was present.</returns>
    /// <exception cref="NicFormatException">
    /// An error of <see cref="TryReadChunkHeader"/> as soon as the 8-byte header is present, or
    /// <see cref="NicFormatError.BadChecksum"/> at <paramref name="offset"/>.
    /// </exception>
    public static bool TryReadChunk(ref SequenceReader<byte> reader, long offset, int maxChunkLength, out NicChunkFrame frame)
    {
        frame = default;
        var next = reader;
        if (!TryReadChunkHeader(ref next, offset, maxChunkLength, out var type, out var length)
            || next.Remaining < (long)length + NicConstants.ChunkCrcLength)
        {
            return false;
        }

        var typeAndPayload = reader.UnreadSequence.Slice(TypeOffset, 4L + length);
        next.Advance(length);
        next.TryReadLittleEndian(out int storedField);
        var storedCrc = (uint)storedField;
        var crc = ComputeCrc(typeAndPayload);
        if (crc != storedCrc)
        {
            throw new NicFormatException(
                NicFormatError.BadChecksum, offset, $"{type} chunk CRC is 0x{storedCrc:X8}; its contents give 0x{crc:X8}.");
        }

        frame = new NicChunkFrame(type, offset, length, crc, typeAndPayload.Slice(4));
        reader = next;
        return true;
    }

    /// <summary>The CRC-32 of a chunk's type and payload, without allocating when they are contiguous.</summary>
    private static uint ComputeCrc(ReadOnlySequence<byte> typeAndPayload)
    {
        if (typeAndPayload.IsSingleSegment)
        {
            return Crc32.HashToUInt32(typeAndPayload.FirstSpan);
        }

        var crc = new Crc32();
        foreach (var segment in typeAndPayload)
        {
            crc.Append(segment.Span);
        }

        return crc.GetCurrentHashAsUInt32();
    }
}
