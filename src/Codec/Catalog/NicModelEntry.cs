using Nic.Codec.Models;

namespace Nic.Codec.Catalog;

/// <summary>One model the catalog knows: its identity, where it came from and its loaded file.</summary>
public sealed class NicModelEntry
{
    internal NicModelEntry(NicModelFile file, string source, string? path)
    {
        File = file;
        Source = source;
        Path = path;
    }

    /// <summary>The loaded, validated model file.</summary>
    public NicModelFile File { get; }

    /// <summary>The registry name a <c>.nic</c> header stores.</summary>
    public string Name => File.Name;

    /// <summary>The family: models of one family differ only in rate point.</summary>
    public string Family => File.Family;

    /// <summary>The rate point (quality) within the family.</summary>
    public int RatePoint => File.RatePoint;

    /// <summary>The file's SHA-256 in lower-case hexadecimal.</summary>
    public string Sha256Hex => File.Id.Sha256Hex;

    /// <summary>Where the model was found: "shipped", a directory the caller added, or "added" for a model given in memory.</summary>
    public string Source { get; }

    /// <summary>The file's path; null for a model given in memory.</summary>
    public string? Path { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (family {Family}, rate point {RatePoint}, {File.Architecture}, sha256 {Sha256Hex[..12]}…)";
}
