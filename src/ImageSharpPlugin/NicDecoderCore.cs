using Nic.Codec;
using Nic.Codec.Imaging;
using Nic.Format;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp;

/// <summary>One decode or identify: the Nic codec's result turned into ImageSharp's types, and its errors into ImageSharp's.</summary>
internal sealed class NicDecoderCore
{
    private readonly NicCodec _codec;
    private readonly Configuration _configuration;
    private readonly bool _ignoreMetadata;

    public NicDecoderCore(NicCodec codec, Configuration configuration, bool ignoreMetadata)
    {
        _codec = codec;
        _configuration = configuration;
        _ignoreMetadata = ignoreMetadata;
    }

    public NicIdentifiedImage Identify(Stream stream, CancellationToken cancellationToken)
    {
        NicImageInfo info = Run(() => NicCodecs.RunSynchronously(() => _codec.IdentifyAsync(stream, cancellationToken)));
        var metadata = new ImageMetadata();
        Fill(metadata, info, info.Metadata);
        return new NicIdentifiedImage(info.Width, info.Height, metadata);
    }

    public Image<TPixel> Decode<TPixel>(Stream stream, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        (RgbImage pixels, NicImageInfo info) = Run(() => NicCodecs.RunSynchronously(async () =>
        {
            await using NicRowDecoder decoder = await _codec.OpenAsync(stream, cancellationToken).ConfigureAwait(false);
            RgbImage image = await decoder.ReadImageAsync(cancellationToken).ConfigureAwait(false);
            return (image, decoder.Info);
        }));
        var image = new Image<TPixel>(_configuration, pixels.Width, pixels.Height);
        try
        {
            Fill(image.Metadata, info, pixels.Metadata);
            image.ProcessPixelRows(accessor =>
            {
                for (int y = 0; y < accessor.Height; y++)
                {
                    PixelOperations<TPixel>.Instance.FromRgb24Bytes(_configuration, pixels.GetRow(y), accessor.GetRowSpan(y), pixels.Width);
                }
            });
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private void Fill(ImageMetadata metadata, NicImageInfo info, NicMetadata carried)
    {
        NicFormatMetadata nic = metadata.GetFormatMetadata(NicFormat.Instance);
        nic.Model = info.Model.Name;
        nic.ModelSha256 = info.Model.Sha256Hex;
        nic.RatePoint = info.RatePoint;
        nic.RateParameter = info.RateParameter;
        nic.BitsPerPixel = double.IsFinite(info.BitsPerPixel) ? info.BitsPerPixel : null;
        if (!_ignoreMetadata)
        {
            metadata.IccProfile = carried.IccProfile is { } icc ? new IccProfile(icc) : null;
            metadata.ExifProfile = carried.Exif is { } exif ? new ExifProfile(exif) : null;
            metadata.XmpProfile = carried.Xmp is { } xmp ? new XmpProfile(xmp) : null;
        }
    }

    /// <summary>
    /// Runs a Nic call, turning its errors into ImageSharp's: not a <c>.nic</c> file → unknown format; a model that is not
    /// installed → not supported, naming the model; anything else the file is wrong about → invalid content.
    /// </summary>
    private static T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (NicFormatException e) when (e.Error == NicFormatError.BadSignature)
        {
            throw new UnknownImageFormatException($"Not a .nic file: {e.Message}");
        }
        catch (NicCodecException e) when (e.Error is NicCodecError.UnknownModel or NicCodecError.ModelHashMismatch or NicCodecError.UnsupportedModel)
        {
            throw new NotSupportedException($"This .nic file cannot be decoded here: {e.Message}", e);
        }
        catch (NicException e)
        {
            string message = e.Message.StartsWith(e.ErrorCode, StringComparison.Ordinal) ? e.Message : $"{e.ErrorCode}: {e.Message}";
            throw new InvalidImageContentException($"Invalid .nic data: {message}", e);
        }
    }
}
