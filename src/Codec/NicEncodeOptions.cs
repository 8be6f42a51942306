namespace Nic.Codec;

/// <summary>Settings of one encode; anything left null takes the codec's default (<see cref="NicCodecOptions"/>).</summary>
public sealed record NicEncodeOptions
{
    /// <summary>The lowest <see cref="Effort"/>: the analysis transform's latents, rounded (the default).</summary>
    public const int MinEffort = 1;

    /// <summary>The highest <see cref="Effort"/>.</summary>
    public const int MaxEffort = 9;

    /// <summary>A model name or a family name from the catalog.</summary>
    public string? Model { get; init; }

    /// <summary>The rate point (quality) within the model's family.</summary>
    public int? Quality { get; init; }

    /// <summary>Latent rows per y band (each band is 16 image rows per latent row); 1 … 65535.</summary>
    public int? BandRows { get; init; }

    /// <summary>
    /// The encoder effort, <see cref="MinEffort"/> … <see cref="MaxEffort"/>; null for 1. Effort 1 codes g_a's latents;
    /// higher efforts search for latents with a lower rate + λ·distortion for this image (more time for a better
    /// rate–distortion trade-off) and need an <see cref="ILatentOptimizer"/> (<see cref="NicCodecOptions.LatentOptimizer"/>).
    /// Any effort writes files that every decoder reads: only the encoder changes.
    /// </summary>
    public int? Effort { get; init; }
}
