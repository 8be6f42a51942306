using Microsoft.Extensions.Options;
using Nic.Codec;
using Nic.Codec.Imaging;
using Nic.Format;
using Nic.ImageSharp;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.Service;

/// <summary>
/// Decodes an upload into RGB pixels with an ImageSharp configuration of its own that knows PNG, JPEG and <c>.nic</c>
/// only (the README's advice for untrusted uploads), after checking the size its header declares.
/// </summary>
public sealed class UploadDecoder
{
    private readonly Configuration _configuration;
    private readonly long _maxPixels;

    /// <summary>Creates the decoder over the container's codec (the <c>.nic</c> format decodes with it).</summary>
    public UploadDecoder(NicCodec codec, IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(options);
        _configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new NicConfigurationModule(codec));
        _maxPixels = options.Value.MaxUploadPixels ?? codec.Options.MaxDecodePixels;
    }

    /// <summary>Decodes the upload.</summary>
    /// <exception cref="UploadException">The data is not PNG, JPEG or <c>.nic</c>, is damaged, or declares too many pixels.</exception>
    public RgbImage Decode(Stream upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        try
        {
            IImageInfo? info = Image.Identify(_configuration, upload);
            if (info is null)
            {
                throw new UploadException(UploadException.UnsupportedImageFormat, "the upload is not a PNG, JPEG or .nic image");
            }

            long pixels = (long)info.Width * info.Height;
            if (pixels > _maxPixels)
            {
                throw new UploadException(nameof(NicCodecError.ResourceLimitExceeded), $"the image is {info.Width}×{info.Height} = {pixels:N0} pixels, above the service's limit of {_maxPixels:N0}");
            }

            upload.Position = 0;
            using Image<Rgb24> image = Image.Load<Rgb24>(_configuration, upload);
            var rgb = new RgbImage(image.Width, image.Height);
            image.CopyPixelDataTo(rgb.Pixels);
            return rgb;
        }
        catch (UnknownImageFormatException exception)
        {
            throw new UploadException(UploadException.UnsupportedImageFormat, "the upload is not a PNG, JPEG or .nic image", exception);
        }
        catch (ImageFormatException exception) when (exception.InnerException is NicException nic)
        {
            throw new UploadException(nic.ErrorCode, nic.Message, exception);
        }
        catch (ImageFormatException exception)
        {
            throw new UploadException(UploadException.InvalidImageContent, exception.Message, exception);
        }
        catch (NotSupportedException exception)
        {
            throw new UploadException(nameof(NicCodecError.UnknownModel), exception.Message, exception);
        }
    }
}

/// <summary>An upload the service cannot take, with a stable error code (a Nic error code where the codec raised it).</summary>
public sealed class UploadException(string errorCode, string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The data is none of the accepted formats.</summary>
    public const string UnsupportedImageFormat = "UnsupportedImageFormat";

    /// <summary>A PNG or JPEG that its decoder refused.</summary>
    public const string InvalidImageContent = "InvalidImageContent";

    /// <summary>The stable name of the error.</summary>
    public string ErrorCode { get; } = errorCode;
}
