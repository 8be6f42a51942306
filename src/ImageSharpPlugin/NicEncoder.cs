using Nic.Codec.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;

namespace Nic.ImageSharp;

/// <summary>
/// Encodes ImageSharp images as <c>.nic</c>: any pixel type (converted to 8-bit RGB; alpha is dropped), with the
/// image's ICC, EXIF and XMP carried byte for byte unless <see cref="ImageEncoder.SkipMetadata"/> is set.
/// </summary>
public sealed class NicEncoder : ImageEncoder
{
    private readonly NicCodec? _codec;

    /// <summary>An encoder over the shipped models.</summary>
    public NicEncoder()
    {
    }

    /// <summary>An encoder using <paramref name="codec"/> (its catalog, defaults and backend).</summary>
    public NicEncoder(NicCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <summary>A model or family name; null for the codec's default.</summary>
    public string? Model { get; init; }

    /// <summary>The rate point (quality) within the model's family; null for the default.</summary>
    public int? Quality { get; init; }

    private NicCodec Codec => _codec ?? NicCodecs.Default;

    /// <inheritdoc/>
    protected override void Encode<TPixel>(Image<TPixel> image, Stream stream, CancellationToken cancellationToken) =>
        NicEncoderCore.Encode(Codec, image, stream, new NicEncodeOptions { Model = Model, Quality = Quality }, SkipMetadata, cancellationToken);
}
