using Nic.Format;

namespace Nic.Cli.Imaging;

/// <summary>
/// Reads the ICC profile, EXIF and XMP of an image file into <see cref="NicMetadata"/>, byte for byte as stored (EXIF
/// from the TIFF header on, as in PNG <c>eXIf</c>). Metadata that is malformed is left out; reading never fails.
/// </summary>
internal static class ImageMetadataReader
{
    /// <summary>The largest ICC profile or XMP packet inflated from compressed data: 16 MiB.</summary>
    public const int MaxInflatedLength = 16 << 20;

    /// <summary>The metadata of <paramref name="file"/>; <see cref="NicMetadata.Empty"/> for formats that carry none this reader knows.</summary>
    public static NicMetadata Read(byte[] file) => Read(file, ImageFileSignatures.Detect(file));

    /// <summary>The metadata of <paramref name="file"/>, whose format is already known.</summary>
    public static NicMetadata Read(byte[] file, ImageFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(file);
        return format switch
        {
            ImageFileFormat.Png => PngMetadataChunks.Read(file, MaxInflatedLength),
            ImageFileFormat.Jpeg => JpegMetadataSegments.Read(file),
            _ => NicMetadata.Empty,
        };
    }
}
