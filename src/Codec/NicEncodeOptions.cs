using Nic.Format;

namespace Nic.Codec;

/// <summary>Settings of one encode; anything left null takes the codec's default (<see cref="NicCodecOptions"/>).</summary>
public sealed record NicEncodeOptions
{
    /// <summary>A model name or a family name from the catalog.</summary>
    public string? Model { get; init; }

    /// <summary>The rate point (quality) within the model's family.</summary>
    public int? Quality { get; init; }

    /// <summary>Latent rows per y band (each band is 16 image rows per latent row); 1 … 65535.</summary>
    public int? BandRows { get; init; }

    /// <summary>
    /// Which of the image's metadata items (ICC profile, EXIF, XMP) the file carries; null or <see cref="NicMetadataItems.All"/>
    /// keeps every item the image has, <see cref="NicMetadataItems.None"/> strips them all (<c>nic encode --keep</c>, <c>--strip</c>).
    /// </summary>
    public NicMetadataItems? KeepMetadata { get; init; }

    /// <summary>
    /// Whether each metadata item is stored compressed when that is smaller (spec/nic-format.md §5.4); null or true for
    /// yes. False writes only the raw chunks of format version 1.0, whose metadata readers of version 1.0 also return.
    /// </summary>
    public bool? CompressMetadata { get; init; }
}
