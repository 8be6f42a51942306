using Nic.Codec.Imaging;
using Nic.Codec.Pipeline;
using Nic.Format;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;
using ContainerMetadata = Nic.Format.NicMetadata;

namespace Nic.ImageSharp;

/// <summary>One decode or identify: the Nic codec's result turned into ImageSharp's types, and its errors into ImageSharp's.</summary>
internal static class NicDecoderCore
{
    public static ImageInfo Identify(NicCodec codec, DecoderOptions options, Stream stream, CancellationToken cancellationToken)
    {
        NicImageInfo info = Run(() => codec.IdentifyAsync(stream, cancellationToken).GetAwaiter().GetResult());
        var metadata = new ImageMetadata();
        Fill(metadata, info, info.Metadata, options.SkipMetadata);
        return new ImageInfo(new PixelTypeInfo(24), new Size(info.Width, info.Height), metadata);
    }

    public static Image<TPixel> Decode<TPixel>(NicCodec codec, DecoderOptions options, Stream stream, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        (RgbImage pixels, NicImageInfo info) = Run(() =>
        {
            using NicRowDecoder decoder = codec.OpenAsync(stream, cancellationToken).GetAwaiter().GetResult();
            return (decoder.ReadImageAsync(cancellationToken).GetAwaiter().GetResult(), decoder.Info);
        });
        var image = new Image<TPixel>(options.Configuration, pixels.Width, pixels.Height);
        Fill(image.Metadata, info, pixels.Metadata, options.SkipMetadata);
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                PixelOperations<TPixel>.Instance.FromRgb24Bytes(options.Configuration, pixels.GetRow(y), accessor.GetRowSpan(y), pixels.Width);
            }
        });
        return image;
    }

    private static void Fill(ImageMetadata metadata, NicImageInfo info, ContainerMetadata carried, bool skipMetadata)
    {
        NicMetadata nic = metadata.GetFormatMetadata(NicFormat.Instance);
        nic.Model = info.Model.Name;
        nic.ModelSha256 = info.Model.Sha256Hex;
        nic.RatePoint = info.RatePoint;
        nic.RateParameter = info.RateParameter;
        nic.BitsPerPixel = double.IsFinite(info.BitsPerPixel) ? info.BitsPerPixel : null;
        if (!skipMetadata)
        {
            metadata.IccProfile = carried.IccProfile is { } icc ? new IccProfile(icc) : null;
            metadata.ExifProfile = carried.Exif is { } exif ? new ExifProfile(exif) : null;
            metadata.XmpProfile = carried.Xmp is { } xmp ? new XmpProfile(xmp) : null;
        }
    }

    /// <summary>Runs a Nic call, turning its errors into ImageSharp's: not a .nic file → unknown format, damaged → invalid content.</summary>
    private static T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (NicFormatException e) when (e.Error == NicFormatError.BadSignature)
        {
            throw new UnknownImageFormatException($"not a .nic file: {e.Message}");
        }
        catch (NicException e)
        {
            throw new InvalidImageContentException($"{e.ErrorCode}: {e.Message}", e);
        }
    }
}
