namespace Nic.Format;

/// <summary>
/// The contents of the <c>HEAD</c> chunk (spec/nic-format.md §7): image size, model,
/// latent shapes and band layout.
/// </summary>
public sealed record NicHeader
{
    /// <summary>The image width in pixels (1 … 2^24).</summary>
    public required int Width { get; init; }

    /// <summary>The image height in pixels (1 … 2^24).</summary>
    public required int Height { get; init; }

    /// <summary>The sample layout; version 1.0 has only <see cref="NicChannelLayout.Rgb8"/>.</summary>
    public NicChannelLayout ChannelLayout { get; init; } = NicChannelLayout.Rgb8;

    /// <summary>How the encoder padded the image to a multiple of <see cref="Alignment"/>.</summary>
    public NicPaddingRule PaddingRule { get; init; } = NicPaddingRule.ReplicateEdges;

    /// <summary>The padding alignment in pixels: a power of two, 1 … 1024.</summary>
    public int Alignment { get; init; } = 1;

    /// <summary>The index of the model's rate point (quality), 0 … 65535; 0 for single-rate models.</summary>
    public int RatePoint { get; init; }

    /// <summary>The continuous rate setting the encoder used (for example λ); finite.</summary>
    public float RateParameter { get; init; }

    /// <summary>The model that coded the image.</summary>
    public required NicModelId Model { get; init; }

    /// <summary>The shape of the hyperprior latent z; <see cref="NicLatentShape.Empty"/> when the model has none.</summary>
    public NicLatentShape ZShape { get; init; }

    /// <summary>The shape of the main latent y; every dimension ≥ 1.</summary>
    public required NicLatentShape YShape { get; init; }

    /// <summary>How the y substream is split into bands.</summary>
    public NicBandLayout BandLayout { get; init; } = NicBandLayout.HorizontalRows;

    /// <summary>The number of y rows per band, 1 … <c>YShape.Height</c>; the last band may be shorter.</summary>
    public required int BandRows { get; init; }

    /// <summary>Reserved flags; 0 in version 1.0.</summary>
    public int Flags { get; init; }

    /// <summary>True when the model has a hyperprior latent, so the file has a <c>ZSUB</c> chunk.</summary>
    public bool HasHyperprior => !ZShape.IsEmpty;

    /// <summary>The number of y bands, ceil(y height / band rows); 0 when either is not positive.</summary>
    public int BandCount =>
        YShape.Height <= 0 || BandRows <= 0 ? 0 : (int)(((long)YShape.Height + BandRows - 1) / BandRows);

    /// <summary>The first y row of a band.</summary>
    /// <param name="index">The band index, 0 … <see cref="BandCount"/> − 1.</param>
    /// <returns>index × <see cref="BandRows"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a band of this header.</exception>
    public int GetBandFirstRow(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BandCount);
        return index * BandRows;
    }

    /// <summary>The number of y rows in a band: <see cref="BandRows"/>, or fewer for the last band.</summary>
    /// <param name="index">The band index, 0 … <see cref="BandCount"/> − 1.</param>
    /// <returns>The row count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a band of this header.</exception>
    public int GetBandRowCount(int index) => Math.Min(BandRows, YShape.Height - GetBandFirstRow(index));

    /// <summary>
    /// Checks every rule of spec/nic-format.md §7 and, when given, the reader's limits.
    /// </summary>
    /// <param name="limits">Limits to check as well, or null for the format's rules and hard maxima only.</param>
    /// <exception cref="NicFormatException">
    /// A field is invalid; <see cref="NicFormatException.Offset"/> is where the field would be in a file.
    /// </exception>
    public void Validate(NicReaderOptions? limits = null)
    {
        if (Model is null)
        {
            throw new NicFormatException(NicFormatError.InvalidHeader, NicConstants.HeadPayloadOffset + 19, "the header has no model.");
        }

        var problem = NicHeaderRules.Check(NicHeaderFields.From(this), limits, NicConstants.HeadPayloadOffset);
        if (problem is not null)
        {
            throw problem;
        }
    }
}
