namespace Nic.Format;

/// <summary>How the y substream is split into bands (spec/nic-format.md §7.3, <c>band_layout</c>).</summary>
public enum NicBandLayout
{
    /// <summary>Full-width horizontal bands of <see cref="NicHeader.BandRows"/> latent rows each.</summary>
    HorizontalRows = 0,
}
