namespace Nic.Format;

/// <summary>
/// The image metadata a <c>.nic</c> file carries byte for byte (spec/nic-format.md §5.3):
/// an ICC profile, EXIF and XMP. Each item is optional.
/// </summary>
public sealed class NicMetadata
{
    /// <summary>Metadata with no items.</summary>
    public static NicMetadata Empty { get; } = new();

    /// <summary>The ICC profile (<c>iccp</c> chunk), or null.</summary>
    public byte[]? IccProfile { get; init; }

    /// <summary>The EXIF data starting with the TIFF header (<c>exif</c> chunk), or null.</summary>
    public byte[]? Exif { get; init; }

    /// <summary>The XMP packet as UTF-8 bytes (<c>xmpp</c> chunk), or null.</summary>
    public byte[]? Xmp { get; init; }

    /// <summary>True when no item is present.</summary>
    public bool IsEmpty => IccProfile is null && Exif is null && Xmp is null;
}
