using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Catalog;

/// <summary>
/// One model the catalog knows: its identity, where it came from and its file. A trained point of a variable-rate
/// family file is listed from the family's metadata and loaded (with its whole family, validated) the first time
/// <see cref="File"/> is read; everything else here is known without loading.
/// </summary>
public sealed class NicModelEntry
{
    private readonly NicModelFile? _file;
    private readonly Func<NicModelFile>? _load;
    private readonly string _architecture;

    internal NicModelEntry(NicModelFile file, string source, string? path)
    {
        _file = file;
        _architecture = file.Architecture.Identifier;
        (Name, Family, RatePoint, Id) = (file.Name, file.Family, file.RatePoint, file.Id);
        Source = source;
        Path = path;
    }

    /// <summary>A trained point of a family file that is loaded on first use by <paramref name="load"/>.</summary>
    internal NicModelEntry(ModelFamilyParser.DeclaredPoint point, Func<NicModelFile> load, string source, string? path)
    {
        _load = load;
        _architecture = point.Architecture;
        (Name, Family, RatePoint, Id) = (point.Name, point.Family, point.RatePoint, new NicModelId(point.Name, Convert.FromHexString(point.Sha256)));
        Source = source;
        Path = path;
    }

    /// <summary>
    /// The loaded, validated model file. For a trained point of a family file, the first read loads and validates the
    /// family file.
    /// </summary>
    /// <exception cref="NicCodecException">
    /// The family file this point comes from failed its validation when it was loaded (<see cref="NicCodecError.ModelFileCorrupt"/>,
    /// <see cref="NicCodecError.ModelArchitectureMismatch"/>, or <see cref="NicCodecError.ModelNotFound"/> when it was removed
    /// after the catalog listed it); the catalog then lists it among its <see cref="NicModelCatalog.Problems"/> and no longer among its models.
    /// </exception>
    public NicModelFile File => _file ?? _load!();

    /// <summary>The registry name a <c>.nic</c> header stores.</summary>
    public string Name { get; }

    /// <summary>The family: models of one family differ only in rate point.</summary>
    public string Family { get; }

    /// <summary>The rate point (quality) within the family.</summary>
    public int RatePoint { get; }

    /// <summary>The file's SHA-256 in lower-case hexadecimal.</summary>
    public string Sha256Hex => Id.Sha256Hex;

    /// <summary>Where the model was found: "shipped", a directory the caller added, or "added" for a model given in memory.</summary>
    public string Source { get; }

    /// <summary>The file's path; null for a model given in memory.</summary>
    public string? Path { get; }

    /// <summary>The name and SHA-256 a <c>.nic</c> header names the model by.</summary>
    internal NicModelId Id { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (family {Family}, rate point {RatePoint}, {_architecture}, sha256 {Sha256Hex[..12]}…)";
}
