namespace Nic.Format;

/// <summary>
/// A choice of metadata items (spec/nic-format.md §5.3): which of a file's ICC profile, EXIF and XMP to keep, as
/// cwebp's <c>-metadata</c> chooses.
/// </summary>
[Flags]
public enum NicMetadataItems
{
    /// <summary>No item.</summary>
    None = 0,

    /// <summary>The ICC profile (<c>iccp</c> or <c>iccz</c>).</summary>
    IccProfile = 1,

    /// <summary>The EXIF data (<c>exif</c> or <c>exfz</c>).</summary>
    Exif = 2,

    /// <summary>The XMP packet (<c>xmpp</c> or <c>xmpz</c>).</summary>
    Xmp = 4,

    /// <summary>Every item.</summary>
    All = IccProfile | Exif | Xmp,
}
