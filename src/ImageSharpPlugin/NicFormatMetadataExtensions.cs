using SixLabors.ImageSharp.Metadata;

namespace Nic.ImageSharp;

/// <summary>Reaches the <c>.nic</c> format metadata of an image, as ImageSharp's <c>GetPngMetadata()</c> and the like do for theirs.</summary>
public static class NicFormatMetadataExtensions
{
    /// <summary>The <c>.nic</c> coding of a decoded (or identified) image: model, rate point, bits per pixel; empty for an image from elsewhere.</summary>
    public static NicFormatMetadata GetNicFormatMetadata(this ImageMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.GetFormatMetadata(NicFormat.Instance);
    }
}
