using Nic.Codec.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp;

/// <summary>
/// Decodes <c>.nic</c> files into ImageSharp images of any pixel type. <c>Identify</c> reads the header and metadata
/// only (no model needed). Honours <see cref="DecoderOptions.TargetSize"/>, <see cref="DecoderOptions.SkipMetadata"/>
/// and cancellation. Damaged files raise <see cref="InvalidImageContentException"/> whose message and inner exception
/// carry the Nic error code; data that is not <c>.nic</c> raises <see cref="UnknownImageFormatException"/>.
/// </summary>
public sealed class NicDecoder : ImageDecoder
{
    private readonly NicCodec? _codec;

    /// <summary>A decoder over the shipped models.</summary>
    public NicDecoder()
    {
    }

    /// <summary>A decoder using <paramref name="codec"/> (its catalog and backend).</summary>
    public NicDecoder(NicCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <summary>The one decoder over the shipped models.</summary>
    public static NicDecoder Instance { get; } = new();

    private NicCodec Codec => _codec ?? NicCodecs.Default;

    /// <inheritdoc/>
    protected override ImageInfo Identify(DecoderOptions options, Stream stream, CancellationToken cancellationToken) =>
        NicDecoderCore.Identify(Codec, options, stream, cancellationToken);

    /// <inheritdoc/>
    protected override Image<TPixel> Decode<TPixel>(DecoderOptions options, Stream stream, CancellationToken cancellationToken)
    {
        Image<TPixel> image = NicDecoderCore.Decode<TPixel>(Codec, options, stream, cancellationToken);
        ScaleToTargetSize(options, image);
        return image;
    }

    /// <inheritdoc/>
    protected override Image Decode(DecoderOptions options, Stream stream, CancellationToken cancellationToken) =>
        Decode<Rgb24>(options, stream, cancellationToken);
}
