using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Metadata;

namespace Nic.ImageSharp;

/// <summary>
/// What <see cref="NicDecoder.Identify"/> reads from a <c>.nic</c> file's header and metadata chunks: the size, the pixel
/// type (8-bit RGB, no alpha) and the metadata, with <see cref="NicFormatMetadata"/> under <see cref="NicFormat.Instance"/>.
/// </summary>
internal sealed class NicIdentifiedImage : IImageInfo
{
    internal NicIdentifiedImage(int width, int height, ImageMetadata metadata)
    {
        Width = width;
        Height = height;
        Metadata = metadata;
    }

    /// <summary>24 bits per pixel: 8-bit R, G and B, no alpha.</summary>
    public PixelTypeInfo PixelType { get; } = new(NicImageSharpConstants.BitsPerPixel);

    /// <inheritdoc/>
    public int Width { get; }

    /// <inheritdoc/>
    public int Height { get; }

    /// <inheritdoc/>
    public ImageMetadata Metadata { get; }
}
