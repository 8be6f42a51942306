namespace Nic.Codec;

/// <summary>Settings of one encode; anything left null takes the codec's default (<see cref="NicCodecOptions"/>).</summary>
public sealed record NicEncodeOptions
{
    /// <summary>A model name or a family name from the catalog.</summary>
    public string? Model { get; init; }

    /// <summary>The rate point (quality) within the model's family.</summary>
    public int? Quality { get; init; }

    /// <summary>Latent rows per y band (each band is 16 image rows per latent row); 1 … 65535.</summary>
    public int? BandRows { get; init; }
}
