using Nic.Codec.Imaging;
using Nic.Format;
using Nic.Codec;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp;

/// <summary>One encode: the image's pixels as 8-bit RGB and its profiles as container metadata, through the Nic codec.</summary>
internal sealed class NicEncoderCore
{
    private readonly NicCodec _codec;
    private readonly NicEncodeOptions _options;
    private readonly bool _ignoreMetadata;

    public NicEncoderCore(NicCodec codec, NicEncodeOptions options, bool ignoreMetadata)
    {
        _codec = codec;
        _options = options;
        _ignoreMetadata = ignoreMetadata;
    }

    public void Encode<TPixel>(Image<TPixel> image, Stream stream)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        byte[] file = _codec.Encode(ToRgb(image), _options);
        stream.Write(file);
    }

    public async Task EncodeAsync<TPixel>(Image<TPixel> image, Stream stream, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _codec.EncodeAsync(ToRgb(image), stream, _options, cancellationToken).ConfigureAwait(false);
    }

    private RgbImage ToRgb<TPixel>(Image<TPixel> image)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        Configuration configuration = image.GetConfiguration();
        var pixels = new RgbImage(image.Width, image.Height);
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                PixelOperations<TPixel>.Instance.ToRgb24Bytes(configuration, accessor.GetRowSpan(y), pixels.GetRow(y), accessor.Width);
            }
        });
        if (!_ignoreMetadata)
        {
            pixels.Metadata = Carried(image.Metadata);
        }

        return pixels;
    }

    /// <summary>The profiles as the container carries them; a profile with no bytes is left out.</summary>
    private static NicMetadata Carried(ImageMetadata metadata) => new()
    {
        IccProfile = NonEmpty(metadata.IccProfile?.ToByteArray()),
        Exif = NonEmpty(metadata.ExifProfile?.ToByteArray()),
        Xmp = NonEmpty(XmpBytes(metadata.XmpProfile)),
    };

    private static byte[]? NonEmpty(byte[]? bytes) => bytes is { Length: > 0 } ? bytes : null;

    /// <summary>The bytes of an XMP profile; ImageSharp 2.1's <see cref="XmpProfile.ToByteArray"/> throws for one made without data.</summary>
    private static byte[]? XmpBytes(XmpProfile? profile)
    {
        if (profile is null)
        {
            return null;
        }

        try
        {
            return profile.ToByteArray();
        }
        catch (NullReferenceException)
        {
            return null;
        }
    }
}
