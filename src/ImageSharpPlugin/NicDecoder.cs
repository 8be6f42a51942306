using Nic.Codec;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp;

/// <summary>
/// Decodes <c>.nic</c> files into ImageSharp images of any pixel type. <see cref="Identify"/> reads the header and the
/// metadata chunks only, without the model. Honours cancellation.
/// </summary>
/// <remarks>
/// Errors: data that is not <c>.nic</c> raises <see cref="UnknownImageFormatException"/>; a damaged file raises
/// <see cref="InvalidImageContentException"/> whose message names the Nic error code and whose inner exception is
/// the <see cref="Nic.Format.NicException"/>; a file whose model is not installed (or differs from the installed one)
/// raises <see cref="NotSupportedException"/> whose message names the model, with the
/// <see cref="Nic.Codec.NicCodecException"/> inside.
/// </remarks>
public sealed class NicDecoder : IImageDecoder, IImageInfoDetector
{
    private readonly NicCodec? _codec;

    /// <summary>A decoder over the shipped models.</summary>
    public NicDecoder()
    {
    }

    /// <summary>A decoder using <paramref name="codec"/> (its catalog, limits and backend).</summary>
    public NicDecoder(NicCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <summary>Whether to leave the file's ICC profile, EXIF and XMP out of the image's metadata.</summary>
    public bool IgnoreMetadata { get; set; }

    private NicCodec Codec => _codec ?? NicCodecs.Default;

    /// <summary>Decodes the <c>.nic</c> data in <paramref name="stream"/> into an image of pixel type <typeparamref name="TPixel"/>.</summary>
    /// <typeparam name="TPixel">The pixel type; the file's 8-bit RGB is converted to it.</typeparam>
    /// <param name="configuration">The configuration of the new image (its memory allocator).</param>
    /// <param name="stream">The data, from its current position; left open.</param>
    /// <param name="cancellationToken">Stops the decode with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The image, with the file's metadata.</returns>
    public Image<TPixel> Decode<TPixel>(Configuration configuration, Stream stream, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stream);
        return new NicDecoderCore(Codec, configuration, IgnoreMetadata).Decode<TPixel>(stream, cancellationToken);
    }

    /// <summary>Decodes the <c>.nic</c> data in <paramref name="stream"/> into an <see cref="Image{Rgb24}"/>, the file's own pixel type.</summary>
    /// <param name="configuration">The configuration of the new image.</param>
    /// <param name="stream">The data, from its current position; left open.</param>
    /// <param name="cancellationToken">Stops the decode with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The image, with the file's metadata.</returns>
    public Image Decode(Configuration configuration, Stream stream, CancellationToken cancellationToken) =>
        Decode<Rgb24>(configuration, stream, cancellationToken);

    /// <summary>Reads the size and metadata of the <c>.nic</c> data in <paramref name="stream"/> without decoding it; no model is needed.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="stream">The data, from its current position; left open.</param>
    /// <param name="cancellationToken">Stops the read with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The size, pixel type (8-bit RGB) and metadata, read from the header without the model.</returns>
    public IImageInfo Identify(Configuration configuration, Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stream);
        return new NicDecoderCore(Codec, configuration, IgnoreMetadata).Identify(stream, cancellationToken);
    }
}
