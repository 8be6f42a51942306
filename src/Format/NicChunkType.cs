using System.Buffers.Binary;
using System.Text;

namespace Nic.Format;

/// <summary>
/// A four-letter chunk type (spec/nic-format.md §5.2). An uppercase first letter marks a
/// critical chunk, a lowercase one an ancillary chunk.
/// </summary>
public readonly struct NicChunkType : IEquatable<NicChunkType>
{
    private readonly uint _bytes;

    private NicChunkType(uint bytes) => _bytes = bytes;

    /// <summary>Creates a chunk type from four ASCII letters.</summary>
    /// <param name="name">Four ASCII letters, for example <c>"HEAD"</c>.</param>
    /// <exception cref="ArgumentException">The name is not four ASCII letters.</exception>
    public NicChunkType(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> bytes = stackalloc byte[4];
        if (name.Length != 4 || Encoding.ASCII.GetBytes(name, bytes) != 4 || !TryCreate(bytes, out var type))
        {
            throw new ArgumentException($"A chunk type is four ASCII letters; '{name}' is not.", nameof(name));
        }

        _bytes = type._bytes;
    }

    /// <summary>The header chunk.</summary>
    public static NicChunkType Head { get; } = FromAscii("HEAD"u8);

    /// <summary>The ICC profile chunk.</summary>
    public static NicChunkType Iccp { get; } = FromAscii("iccp"u8);

    /// <summary>The EXIF chunk.</summary>
    public static NicChunkType Exif { get; } = FromAscii("exif"u8);

    /// <summary>The XMP chunk.</summary>
    public static NicChunkType Xmpp { get; } = FromAscii("xmpp"u8);

    /// <summary>The compressed ICC profile chunk (version 1.1).</summary>
    public static NicChunkType Iccz { get; } = FromAscii("iccz"u8);

    /// <summary>The compressed EXIF chunk (version 1.1).</summary>
    public static NicChunkType Exfz { get; } = FromAscii("exfz"u8);

    /// <summary>The compressed XMP chunk (version 1.1).</summary>
    public static NicChunkType Xmpz { get; } = FromAscii("xmpz"u8);

    /// <summary>The hyperprior (z) substream chunk.</summary>
    public static NicChunkType ZSub { get; } = FromAscii("ZSUB"u8);

    /// <summary>The y-substream band chunk.</summary>
    public static NicChunkType YBnd { get; } = FromAscii("YBND"u8);

    /// <summary>The end chunk.</summary>
    public static NicChunkType Done { get; } = FromAscii("DONE"u8);

    /// <summary>True when the first letter is uppercase: a reader that does not know the type must reject the file.</summary>
    public bool IsCritical => (_bytes & 0x20) == 0;

    /// <summary>True when this is one of the types defined by version 1.1 of the format.</summary>
    public bool IsKnown =>
        this == Head || IsMetadata || this == ZSub || this == YBnd || this == Done;

    /// <summary>True for the metadata chunks, raw (<c>iccp</c>, <c>exif</c>, <c>xmpp</c>) or compressed (<c>iccz</c>, <c>exfz</c>, <c>xmpz</c>).</summary>
    internal bool IsMetadata => MetadataItem != NicMetadataItems.None;

    /// <summary>True for the compressed metadata chunks <c>iccz</c>, <c>exfz</c> and <c>xmpz</c> (spec §5.4).</summary>
    internal bool IsCompressedMetadata => this == Iccz || this == Exfz || this == Xmpz;

    /// <summary>The metadata item a metadata chunk carries, in either form; <see cref="NicMetadataItems.None"/> for other types.</summary>
    internal NicMetadataItems MetadataItem =>
        this == Iccp || this == Iccz ? NicMetadataItems.IccProfile
        : this == Exif || this == Exfz ? NicMetadataItems.Exif
        : this == Xmpp || this == Xmpz ? NicMetadataItems.Xmp
        : NicMetadataItems.None;

    /// <summary>Creates a chunk type from four bytes when all are ASCII letters.</summary>
    /// <param name="bytes">At least four bytes; the first four are used.</param>
    /// <param name="type">The chunk type when the result is true.</param>
    /// <returns>True when the four bytes are ASCII letters.</returns>
    public static bool TryCreate(ReadOnlySpan<byte> bytes, out NicChunkType type)
    {
        type = default;
        if (bytes.Length < 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (!char.IsAsciiLetter((char)bytes[i]))
            {
                return false;
            }
        }

        type = new NicChunkType(BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        return true;
    }

    /// <summary>Creates a chunk type from the four type bytes read as a little-endian integer.</summary>
    internal static bool TryCreate(uint littleEndianBytes, out NicChunkType type)
    {
        type = default;
        for (var shift = 0; shift < 32; shift += 8)
        {
            if (!char.IsAsciiLetter((char)((littleEndianBytes >> shift) & 0xFF)))
            {
                return false;
            }
        }

        type = new NicChunkType(littleEndianBytes);
        return true;
    }

    /// <summary>Writes the four type bytes.</summary>
    /// <param name="destination">At least four bytes.</param>
    public void CopyTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, _bytes);

    /// <summary>The four letters.</summary>
    /// <returns>The type as a string, for example <c>"HEAD"</c>.</returns>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[4];
        CopyTo(bytes);
        return Encoding.ASCII.GetString(bytes);
    }

    /// <inheritdoc />
    public bool Equals(NicChunkType other) => _bytes == other._bytes;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NicChunkType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_bytes;

    /// <summary>Compares two chunk types byte for byte.</summary>
    /// <param name="left">The first type.</param>
    /// <param name="right">The second type.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(NicChunkType left, NicChunkType right) => left.Equals(right);

    /// <summary>Compares two chunk types byte for byte.</summary>
    /// <param name="left">The first type.</param>
    /// <param name="right">The second type.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(NicChunkType left, NicChunkType right) => !left.Equals(right);

    private static NicChunkType FromAscii(ReadOnlySpan<byte> letters) =>
        new(BinaryPrimitives.ReadUInt32LittleEndian(letters));
}
