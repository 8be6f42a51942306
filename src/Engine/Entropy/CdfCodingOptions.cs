namespace Nic.Codec.Entropy;

/// <summary>Options of <see cref="CdfCoder"/>'s float-CDF API.</summary>
public sealed record CdfCodingOptions
{
    /// <summary>Normalization on, input bounds checked.</summary>
    public static CdfCodingOptions Default { get; } = new();

    /// <summary>
    /// When true (the default), each float row is mapped so that every symbol gets a frequency of at least 1 even
    /// where the CDF is flat. When false the rows are promised to be normalized already: they are scaled to 2^16 and
    /// rounded, and a symbol that ends up with zero frequency is reported as <see cref="NicCodecError.InvalidCdf"/>.
    /// </summary>
    public bool NeedsNormalization { get; init; } = true;

    /// <summary>
    /// When true (the default), every symbol is checked to be below Lp − 1 before anything is coded. When false the
    /// up-front pass is skipped; the coder still never reads outside a row and reports an out-of-range symbol when it
    /// reaches it, so the only difference is when the <see cref="NicCodecError.SymbolOutOfRange"/> error surfaces.
    /// </summary>
    public bool CheckInputBounds { get; init; } = true;

    /// <summary>
    /// The stream form: <see cref="RansStreamForm.Standard"/> (the default) or <see cref="RansStreamForm.Compact"/>
    /// for short strings (spec/nic-coding.md §2.7). A stream must be decoded with the form it was encoded with.
    /// </summary>
    public RansStreamForm StreamForm { get; init; } = RansStreamForm.Standard;
}
