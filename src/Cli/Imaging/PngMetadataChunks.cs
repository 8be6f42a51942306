using System.Buffers.Binary;
using System.IO.Hashing;
using Nic.Format;

namespace Nic.Cli.Imaging;

/// <summary>
/// The PNG chunks that carry metadata: <c>iCCP</c> (the ICC profile, zlib-compressed), <c>eXIf</c> (EXIF from the
/// TIFF header on) and <c>iTXt</c> with the keyword <c>XML:com.adobe.xmp</c> (the XMP packet).
/// </summary>
internal static class PngMetadataChunks
{
    /// <summary>The <c>iTXt</c> keyword of an XMP packet.</summary>
    public static ReadOnlySpan<byte> XmpKeyword => "XML:com.adobe.xmp"u8;

    /// <summary>The profile name written in <c>iCCP</c>.</summary>
    public static ReadOnlySpan<byte> IccProfileName => "ICC profile"u8;

    /// <summary>The longest PNG keyword or profile name, in bytes.</summary>
    private const int MaxKeywordLength = 79;

    /// <summary>
    /// Reads the metadata of a PNG file. The first valid chunk of each kind counts; a chunk with a wrong CRC, a
    /// malformed layout or bad compressed data is skipped; nothing here throws on any input.
    /// </summary>
    /// <param name="file">The whole file.</param>
    /// <param name="maxInflatedLength">The largest ICC profile or XMP packet inflated from compressed data.</param>
    public static NicMetadata Read(byte[] file, int maxInflatedLength)
    {
        byte[]? icc = null, exif = null, xmp = null;
        foreach (PngChunk chunk in PngChunk.ReadAll(file))
        {
            bool wanted = chunk.Type switch
            {
                PngChunkTypes.Iccp => icc is null,
                PngChunkTypes.Exif => exif is null,
                PngChunkTypes.Itxt => xmp is null,
                _ => false,
            };
            if (!wanted || !chunk.CrcMatches(file))
            {
                continue;
            }

            switch (chunk.Type)
            {
                case PngChunkTypes.Iccp:
                    icc = ReadIccProfile(file, chunk, maxInflatedLength);
                    break;
                case PngChunkTypes.Exif:
                    exif = chunk.Data(file).ToArray();
                    break;
                default:
                    xmp = ReadXmp(file, chunk, maxInflatedLength);
                    break;
            }
        }

        return icc is null && exif is null && xmp is null ? NicMetadata.Empty : new NicMetadata { IccProfile = icc, Exif = exif, Xmp = xmp };
    }

    /// <summary>Writes one chunk per metadata item present, in the order <c>iCCP</c>, <c>eXIf</c>, <c>iTXt</c>.</summary>
    /// <exception cref="ArgumentException">An item does not fit in a PNG chunk.</exception>
    public static void Write(Stream destination, NicMetadata metadata)
    {
        if (metadata.IccProfile is { } icc)
        {
            // Profile name, its null terminator, compression method 0 (zlib).
            byte[] prefix = [.. IccProfileName, 0, 0];
            WriteChunk(destination, PngChunkTypes.Iccp, prefix, Zlib.Deflate(icc));
        }

        if (metadata.Exif is { } exif)
        {
            WriteChunk(destination, PngChunkTypes.Exif, [], exif);
        }

        if (metadata.Xmp is { } xmp)
        {
            // Keyword and terminator, compression flag 0 (stored), method 0, empty language tag, empty translated keyword.
            byte[] prefix = [.. XmpKeyword, 0, 0, 0, 0, 0];
            WriteChunk(destination, PngChunkTypes.Itxt, prefix, xmp);
        }
    }

    /// <summary>Writes a chunk whose data is <paramref name="prefix"/> followed by <paramref name="body"/>.</summary>
    public static void WriteChunk(Stream destination, uint type, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        long length = (long)prefix.Length + body.Length;
        if (length > int.MaxValue)
        {
            throw new ArgumentException($"{length} bytes do not fit in a PNG chunk", nameof(body));
        }

        Span<byte> header = stackalloc byte[PngChunk.HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], type);
        var crc = new Crc32();
        crc.Append(header[4..]);
        crc.Append(prefix);
        crc.Append(body);
        Span<byte> trailer = stackalloc byte[PngChunk.CrcLength];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, crc.GetCurrentHashAsUInt32());
        destination.Write(header);
        destination.Write(prefix);
        destination.Write(body);
        destination.Write(trailer);
    }

    /// <summary>The profile of an <c>iCCP</c> chunk: name, null, compression method 0, zlib data.</summary>
    private static byte[]? ReadIccProfile(byte[] file, PngChunk chunk, int maxInflatedLength)
    {
        ReadOnlySpan<byte> data = chunk.Data(file);
        int nameEnd = data[..Math.Min(data.Length, MaxKeywordLength + 1)].IndexOf((byte)0);
        if (nameEnd < 0 || nameEnd + 1 >= data.Length || data[nameEnd + 1] != 0)
        {
            return null;
        }

        int start = nameEnd + 2;
        return Zlib.TryInflate(file, chunk.DataOffset + start, chunk.Length - start, maxInflatedLength);
    }

    /// <summary>
    /// The text of an <c>iTXt</c> chunk whose keyword is <see cref="XmpKeyword"/>: keyword, null, compression flag,
    /// compression method, language tag, null, translated keyword, null, text (stored or zlib).
    /// </summary>
    private static byte[]? ReadXmp(byte[] file, PngChunk chunk, int maxInflatedLength)
    {
        ReadOnlySpan<byte> data = chunk.Data(file);
        int keywordEnd = data[..Math.Min(data.Length, MaxKeywordLength + 1)].IndexOf((byte)0);
        if (keywordEnd < 0 || !data[..keywordEnd].SequenceEqual(XmpKeyword) || data.Length < keywordEnd + 3)
        {
            return null;
        }

        byte compressed = data[keywordEnd + 1], method = data[keywordEnd + 2];
        int position = keywordEnd + 3;
        for (int field = 0; field < 2; field++)
        {
            int end = data[position..].IndexOf((byte)0);
            if (end < 0)
            {
                return null;
            }

            position += end + 1;
        }

        return (compressed, method) switch
        {
            (0, _) => data[position..].ToArray(),
            (1, 0) => Zlib.TryInflate(file, chunk.DataOffset + position, chunk.Length - position, maxInflatedLength),
            _ => null,
        };
    }
}
