namespace Nic.Format;

/// <summary>The constants of the <c>.nic</c> container (spec/nic-format.md §3, §4, §8).</summary>
public static class NicConstants
{
    /// <summary>The 8-byte signature every <c>.nic</c> file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x8B, (byte)'N', (byte)'I', (byte)'C', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The major version this library reads and writes.</summary>
    public const byte MajorVersion = 1;

    /// <summary>
    /// The highest minor version this library reads completely (1: version 1.1 adds the compressed metadata chunks). A writer
    /// writes the lowest minor version whose chunk types the file uses: 1 when it holds a compressed metadata chunk, else 0
    /// (spec §4).
    /// </summary>
    public const byte MinorVersion = 1;

    /// <summary>The hard maximum of the image width and height (2^24).</summary>
    public const int MaxImageDimension = 1 << 24;

    /// <summary>The hard maximum of a chunk's payload length (2^31 − 1).</summary>
    public const int MaxChunkLength = int.MaxValue;

    /// <summary>The longest model name, in bytes.</summary>
    public const int MaxModelNameLength = 64;

    /// <summary>The length of the model hash (SHA-256), in bytes.</summary>
    public const int ModelHashLength = 32;

    /// <summary>The largest allowed alignment.</summary>
    public const int MaxAlignment = 1024;

    /// <summary>The length of the fixed fields of a compressed metadata chunk: the method byte and the uncompressed length (spec §5.4).</summary>
    internal const int CompressedMetadataPrefixLength = 5;

    /// <summary>The length of the signature plus the two version bytes.</summary>
    internal const int PreambleLength = 10;

    /// <summary>The length of a chunk's length and type fields.</summary>
    internal const int ChunkHeaderLength = 8;

    /// <summary>The length of a chunk's CRC field.</summary>
    internal const int ChunkCrcLength = 4;

    /// <summary>The file offset of the <c>HEAD</c> payload.</summary>
    internal const int HeadPayloadOffset = PreambleLength + ChunkHeaderLength;

    /// <summary>The size of the version 1.0 <c>HEAD</c> payload without the model name.</summary>
    internal const int HeadFixedLength = 78;
}
