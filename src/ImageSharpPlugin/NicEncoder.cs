using Nic.Codec;
using Nic.Format;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp;

/// <summary>
/// Encodes ImageSharp images as <c>.nic</c>: any pixel type (converted to 8-bit RGB; alpha is dropped; of several frames
/// the root frame), with the image's ICC profile, EXIF and XMP carried byte for byte (compressed in the file when that is
/// smaller) unless <see cref="IgnoreMetadata"/> is set or <see cref="KeepMetadata"/> leaves an item out.
/// </summary>
public sealed class NicEncoder : IImageEncoder
{
    private readonly NicCodec? _codec;

    /// <summary>An encoder over the shipped models.</summary>
    public NicEncoder()
    {
    }

    /// <summary>An encoder using <paramref name="codec"/> (its catalog, defaults and backend).</summary>
    public NicEncoder(NicCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <summary>A model or family name from the catalog; null for the codec's default model.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// The quality on Nic's scale (0–100, the same for every family; <see cref="NicEncodeOptions.Quality"/>); null for
    /// <see cref="RatePoint"/> or the model's own rate.
    /// </summary>
    public double? Quality { get; set; }

    /// <summary>A trained rate point of the model's family; null for <see cref="Quality"/> or the model's own (or the family's middle) one.</summary>
    public int? RatePoint { get; set; }

    /// <summary>Whether to leave the image's ICC profile, EXIF and XMP out of the file.</summary>
    public bool IgnoreMetadata { get; set; }

    /// <summary>
    /// Which of the image's ICC profile, EXIF and XMP the file carries, as <c>nic encode --keep</c> chooses (default
    /// <see cref="NicMetadataItems.All"/>); <see cref="IgnoreMetadata"/> leaves them all out whatever this says.
    /// </summary>
    public NicMetadataItems KeepMetadata { get; set; } = NicMetadataItems.All;

    private NicCodec Codec => _codec ?? NicCodecs.Default;

    /// <summary>Encodes <paramref name="image"/> and writes the <c>.nic</c> file to <paramref name="stream"/>.</summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="image">The image.</param>
    /// <param name="stream">The destination; left open.</param>
    /// <exception cref="Nic.Codec.NicCodecException"><see cref="Model"/> or <see cref="Quality"/> names no installed model.</exception>
    /// <exception cref="ArgumentException"><see cref="Quality"/> is outside 0–100, or both it and <see cref="RatePoint"/> are set.</exception>
    public void Encode<TPixel>(Image<TPixel> image, Stream stream)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        new NicEncoderCore(Codec, Options, IgnoreMetadata).Encode(image, stream);
    }

    /// <summary>Encodes <paramref name="image"/> and writes the <c>.nic</c> file to <paramref name="stream"/> asynchronously.</summary>
    /// <typeparam name="TPixel">The pixel type.</typeparam>
    /// <param name="image">The image.</param>
    /// <param name="stream">The destination; left open.</param>
    /// <param name="cancellationToken">Stops the encode with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>The encode.</returns>
    /// <exception cref="Nic.Codec.NicCodecException"><see cref="Model"/> or <see cref="Quality"/> names no installed model.</exception>
    /// <exception cref="ArgumentException"><see cref="Quality"/> is outside 0–100, or both it and <see cref="RatePoint"/> are set.</exception>
    public Task EncodeAsync<TPixel>(Image<TPixel> image, Stream stream, CancellationToken cancellationToken)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(stream);
        return new NicEncoderCore(Codec, Options, IgnoreMetadata).EncodeAsync(image, stream, cancellationToken);
    }

    private NicEncodeOptions Options => new() { Model = Model, Quality = Quality, RatePoint = RatePoint, KeepMetadata = KeepMetadata };
}
