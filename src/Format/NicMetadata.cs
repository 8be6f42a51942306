namespace Nic.Format;

/// <summary>
/// The image metadata a <c>.nic</c> file carries byte for byte (spec/nic-format.md §5.3, §5.4):
/// an ICC profile, EXIF and XMP. Each item is optional; a writer stores it compressed when that is smaller.
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

    /// <summary>The items present.</summary>
    public NicMetadataItems Items =>
        (IccProfile is null ? NicMetadataItems.None : NicMetadataItems.IccProfile)
        | (Exif is null ? NicMetadataItems.None : NicMetadataItems.Exif)
        | (Xmp is null ? NicMetadataItems.None : NicMetadataItems.Xmp);

    /// <summary>This metadata with only the chosen items (the others left out), as <c>nic encode --keep</c> and <c>--strip</c> choose.</summary>
    /// <param name="items">The items to keep.</param>
    /// <returns>This instance when it holds no other item; otherwise a new one.</returns>
    public NicMetadata Keep(NicMetadataItems items)
    {
        if ((Items & ~items) == NicMetadataItems.None)
        {
            return this;
        }

        return new NicMetadata
        {
            IccProfile = (items & NicMetadataItems.IccProfile) != 0 ? IccProfile : null,
            Exif = (items & NicMetadataItems.Exif) != 0 ? Exif : null,
            Xmp = (items & NicMetadataItems.Xmp) != 0 ? Xmp : null,
        };
    }
}
