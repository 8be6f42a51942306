using Nic.Codec.Imaging;
using Nic.Codec.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ContainerMetadata = Nic.Format.NicMetadata;

namespace Nic.ImageSharp;

/// <summary>One encode: the image's pixels as 8-bit RGB and its profiles as container metadata, through the Nic codec.</summary>
internal static class NicEncoderCore
{
    public static void Encode<TPixel>(NicCodec codec, Image<TPixel> image, Stream stream, NicEncodeOptions options, bool skipMetadata, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var pixels = new RgbImage(image.Width, image.Height);
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                PixelOperations<TPixel>.Instance.ToRgb24Bytes(image.Configuration, accessor.GetRowSpan(y), pixels.GetRow(y), accessor.Width);
            }
        });
        if (!skipMetadata)
        {
            pixels.Metadata = new ContainerMetadata
            {
                IccProfile = image.Metadata.IccProfile?.ToByteArray(),
                Exif = image.Metadata.ExifProfile?.ToByteArray() is { Length: > 0 } exif ? exif : null,
                Xmp = image.Metadata.XmpProfile?.ToByteArray(),
            };
        }

        codec.EncodeAsync(pixels, stream, options, cancellationToken).GetAwaiter().GetResult();
    }
}
