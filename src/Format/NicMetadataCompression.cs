using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace Nic.Format;

/// <summary>
/// The payload of the compressed metadata chunks <c>iccz</c>, <c>exfz</c> and <c>xmpz</c> (spec/nic-format.md §5.4): a
/// method byte, the uncompressed length (u32) and the compressed stream. Method 1 is Brotli (RFC 7932), the only one
/// defined. The reader checks the declared length against its limit before it allocates anything, and decompresses into
/// a buffer of exactly that length, so no input makes it produce more.
/// </summary>
internal static class NicMetadataCompression
{
    /// <summary>The method byte of Brotli (RFC 7932).</summary>
    public const byte Brotli = 1;

    /// <summary>
    /// Items up to this length are compressed at Brotli's best quality (11), 0.15–0.3 MB/s: at most about 0.4 s, beside an
    /// encode that takes seconds. Longer ones at quality 9, about 100 times faster and 3–12 % larger
    /// (docs/metadata-compression.md, <c>nic bench metadata</c>).
    /// </summary>
    private const int BestQualityMaxLength = 64 << 10;

    /// <summary>
    /// Compresses <paramref name="raw"/> into a compressed-chunk payload when that payload is shorter than
    /// <paramref name="raw"/>, which is when a writer uses the compressed chunk (spec §5.4).
    /// </summary>
    /// <param name="raw">The metadata item.</param>
    /// <param name="payload">The chunk payload when the result is true.</param>
    /// <returns>True when the compressed payload is shorter than the item.</returns>
    public static bool TryCompress(ReadOnlySpan<byte> raw, out byte[] payload)
    {
        payload = [];
        var prefix = NicConstants.CompressedMetadataPrefixLength;

        // The compressed stream must fit in fewer bytes than the item minus the prefix; Brotli stops when it does not.
        var room = raw.Length - prefix - 1;
        if (room <= 0)
        {
            return false;
        }

        var buffer = new byte[prefix + room];
        var quality = raw.Length <= BestQualityMaxLength ? 11 : 9;

        // The smallest window that spans the item (2^10 … 2^24 bytes): no worse for the size, faster, and a decoder's
        // ring buffer never exceeds about the item's length.
        var window = Math.Clamp(32 - BitOperations.LeadingZeroCount((uint)raw.Length - 1), 10, 24);
        if (!BrotliEncoder.TryCompress(raw, buffer.AsSpan(prefix), out var written, quality, window))
        {
            return false;
        }

        buffer[0] = Brotli;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(1), (uint)raw.Length);
        payload = buffer.AsSpan(0, prefix + written).ToArray();
        return true;
    }

    /// <summary>The method and the uncompressed length a compressed-chunk payload declares.</summary>
    /// <param name="payload">A payload of at least <see cref="NicConstants.CompressedMetadataPrefixLength"/> bytes.</param>
    /// <returns>The method byte and the declared length.</returns>
    public static (byte Method, uint UncompressedLength) ReadPrefix(ReadOnlySequence<byte> payload)
    {
        Span<byte> prefix = stackalloc byte[NicConstants.CompressedMetadataPrefixLength];
        payload.Slice(0, prefix.Length).CopyTo(prefix);
        return (prefix[0], BinaryPrimitives.ReadUInt32LittleEndian(prefix[1..]));
    }

    /// <summary>
    /// Restores the item a compressed-chunk payload holds, checking it in the order of spec §5.4: the method, the declared
    /// length against <paramref name="maxLength"/> (before anything is allocated), then the compressed stream.
    /// </summary>
    /// <param name="payload">The payload, whose length the order rules have checked to be at least the 5-byte prefix.</param>
    /// <param name="type">The chunk type, for messages.</param>
    /// <param name="offset">The chunk's file offset, where errors are reported.</param>
    /// <param name="maxLength">The reader's <see cref="NicReaderOptions.MaxMetadataLength"/>.</param>
    /// <returns>The item, a new array of exactly the declared length.</returns>
    /// <exception cref="NicFormatException">
    /// <see cref="NicFormatError.UnsupportedCompression"/>, <see cref="NicFormatError.LimitExceeded"/> or
    /// <see cref="NicFormatError.CompressedDataCorrupt"/> at <paramref name="offset"/>.
    /// </exception>
    public static byte[] Decompress(ReadOnlySequence<byte> payload, NicChunkType type, long offset, int maxLength)
    {
        var prefixLength = NicConstants.CompressedMetadataPrefixLength;
        var (method, declared) = ReadPrefix(payload);
        if (method != Brotli)
        {
            throw new NicFormatException(
                NicFormatError.UnsupportedCompression, offset, $"{type} chunk has compression method {method}; version 1.1 defines only 1 (Brotli).");
        }

        if (declared > (uint)maxLength)
        {
            throw new NicFormatException(
                NicFormatError.LimitExceeded, offset, $"{type} chunk declares {declared} uncompressed bytes, above the metadata limit {maxLength}.");
        }

        var compressed = payload.Slice(prefixLength);
        ReadOnlySpan<byte> input = compressed.IsSingleSegment ? compressed.FirstSpan : compressed.ToArray();
        var output = new byte[declared];
        using var decoder = new BrotliDecoder();
        var status = decoder.Decompress(input, output, out var consumed, out var written);
        if (status == OperationStatus.DestinationTooSmall && written == output.Length)
        {
            // The output is full; the stream may still hold its end (an empty last meta-block), which must give no byte.
            Span<byte> extra = stackalloc byte[1];
            status = decoder.Decompress(input[consumed..], extra, out var more, out var extraWritten);
            consumed += more;
            if (extraWritten > 0)
            {
                status = OperationStatus.DestinationTooSmall;
            }
        }

        var problem = status switch
        {
            OperationStatus.Done when written != output.Length => $"it restores {written} bytes, not the declared {declared}",
            OperationStatus.Done when consumed != input.Length => $"{input.Length - consumed} bytes follow the end of the compressed stream",
            OperationStatus.Done => null,
            OperationStatus.DestinationTooSmall => $"it restores more than the declared {declared} bytes",
            OperationStatus.NeedMoreData => $"the compressed stream ends early, after {written} of {declared} bytes",
            _ => "the compressed stream is not valid Brotli",
        };
        if (problem is not null)
        {
            throw new NicFormatException(NicFormatError.CompressedDataCorrupt, offset, $"{type} chunk: {problem}.");
        }

        return output;
    }
}
