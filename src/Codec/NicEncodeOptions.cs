using Nic.Format;

namespace Nic.Codec;

/// <summary>
/// Settings of one encode; anything left null takes the codec's default (<see cref="NicCodecOptions"/>). At most one of
/// <see cref="Quality"/>, <see cref="RatePoint"/> and <see cref="Target"/> chooses the rate.
/// </summary>
public sealed record NicEncodeOptions
{
    /// <summary>The lowest <see cref="Effort"/>: the analysis transform's latents, rounded (the default).</summary>
    public const int MinEffort = 1;

    /// <summary>The highest <see cref="Effort"/>.</summary>
    public const int MaxEffort = 9;

    /// <summary>A model name or a family name from the catalog.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// The quality on Nic's scale, a real number from 0 to 100, the same for every family: λ = 0.0018 · 100^(quality/100)
    /// (CompressAI's λ ladder, quality 0 its quality 1 and 100 its quality 8; <see cref="Nic.Codec.Models.NicModelFamily.LambdaForQuality"/>).
    /// A variable-rate family codes at that λ (interpolated between its trained points, in steps of 1/64); a quality
    /// beyond the family's trained λ uses its first or last point.
    /// </summary>
    public double? Quality { get; init; }

    /// <summary>A trained rate point of the model's family (its files' <c>rate_point</c>, e.g. 1–6).</summary>
    public int? RatePoint { get; init; }

    /// <summary>A target to meet (bits per pixel, file size or PSNR): the encoder searches the family's rates with real encodes for the closest file that meets it.</summary>
    public NicRateTarget? Target { get; init; }

    /// <summary>Latent rows per y band (each band is 16 image rows per latent row); 1 … 65535.</summary>
    public int? BandRows { get; init; }

    /// <summary>
    /// Which of the image's metadata items (ICC profile, EXIF, XMP) the file carries; null or <see cref="NicMetadataItems.All"/>
    /// keeps every item the image has, <see cref="NicMetadataItems.None"/> strips them all (<c>nic encode --keep</c>, <c>--strip</c>).
    /// </summary>
    public NicMetadataItems? KeepMetadata { get; init; }

    /// <summary>
    /// Whether each metadata item is stored compressed when that is smaller (spec/nic-format.md §5.4); null or true for
    /// yes. False writes only the raw chunks of format version 1.0, whose metadata readers of version 1.0 also return.
    /// </summary>
    public bool? CompressMetadata { get; init; }

    /// <summary>
    /// The encoder effort, <see cref="MinEffort"/> … <see cref="MaxEffort"/>; null for 1. Effort 1 codes g_a's latents;
    /// higher efforts search for latents with a lower rate + λ·distortion for this image (more time for a better
    /// rate–distortion trade-off) and need an <see cref="ILatentOptimizer"/> (<see cref="NicCodecOptions.LatentOptimizer"/>).
    /// Any effort writes files that every decoder reads: only the encoder changes.
    /// </summary>
    public int? Effort { get; init; }

    /// <summary>The problems with these settings; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Quality is double quality && !(quality >= 0 && quality <= 100))
        {
            problems.Add($"Quality must be a number from 0 to 100, not {quality}");
        }

        if ((Quality is null ? 0 : 1) + (RatePoint is null ? 0 : 1) + (Target is null ? 0 : 1) > 1)
        {
            problems.Add("Quality, RatePoint and Target each choose the rate: set at most one");
        }

        if (BandRows is < 1 or > NicCodecOptions.MaxBandRows)
        {
            problems.Add($"BandRows must be 1 … {NicCodecOptions.MaxBandRows}, not {BandRows}");
        }

        return problems;
    }
}
