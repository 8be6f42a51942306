using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Catalog;

/// <summary>
/// The models a codec can use, found without configuration: the shipped models in the <c>models</c> folder next to
/// the Nic.Codec assembly, the <c>*.nicm</c> files of any directories the caller adds, and models added in memory.
/// Encoders look models up by name or family and rate point; decoders by the identity (name and SHA-256) a
/// <c>.nic</c> header names. Directories are scanned once, on first use; files that are not valid models are skipped
/// with a warning and listed in <see cref="Problems"/>. Thread-safe.
/// </summary>
public sealed class NicModelCatalog
{
    /// <summary>The model an encoder uses when it is not told which.</summary>
    public const string DefaultModelName = "nic-mbt2018-mean-q4";

    /// <summary>The extension of model files.</summary>
    public const string ModelFileExtension = ".nicm";

    private readonly object _gate = new();
    private readonly List<(string Directory, string Source)> _directories = [];
    private readonly List<NicModelEntry> _added = [];
    private readonly ILogger _logger;
    private List<NicModelEntry>? _models;
    private List<string> _problems = [];

    /// <summary>Creates a catalog.</summary>
    /// <param name="directories">Directories whose <c>*.nicm</c> files are added, searched in this order after the shipped models.</param>
    /// <param name="includeShippedModels">Whether the models shipped next to the assembly are included.</param>
    /// <param name="logger">Receives a warning for every file that is skipped.</param>
    public NicModelCatalog(IEnumerable<string>? directories = null, bool includeShippedModels = true, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        if (includeShippedModels)
        {
            _directories.Add((ShippedModelDirectory, "shipped"));
        }

        foreach (string directory in directories ?? [])
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(directory, nameof(directories));
            _directories.Add((System.IO.Path.GetFullPath(directory), directory));
        }
    }

    /// <summary>The folder of the shipped models: <c>models</c> next to the Nic.Codec assembly.</summary>
    public static string ShippedModelDirectory =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(NicModelCatalog).Assembly.Location) is { Length: > 0 } directory ? directory : AppContext.BaseDirectory, "models");

    /// <summary>The directories searched, in order.</summary>
    public IReadOnlyList<string> Directories => _directories.Select(d => d.Directory).ToArray();

    /// <summary>Every model, ordered by family, rate point and name. The first access scans the directories.</summary>
    public IReadOnlyList<NicModelEntry> Models
    {
        get
        {
            lock (_gate)
            {
                _models ??= Scan();
                return _models.Concat(_added).OrderBy(m => m.Family, StringComparer.Ordinal).ThenBy(m => m.RatePoint).ThenBy(m => m.Name, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Files that were skipped while scanning, each with the reason.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_gate)
            {
                _models ??= Scan();
                return _problems.ToArray();
            }
        }
    }

    /// <summary>Adds a model held in memory (an embedded resource, a model just trained, a test model).</summary>
    /// <exception cref="ArgumentException">A model with the same name but another SHA-256 is already known.</exception>
    public NicModelEntry Add(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        lock (_gate)
        {
            NicModelEntry? existing = Models.FirstOrDefault(m => m.Name == file.Name);
            if (existing is not null)
            {
                if (existing.File.Id.Equals(file.Id))
                {
                    return existing;
                }

                throw new ArgumentException($"the catalog already has a model named '{file.Name}' with another SHA-256 ({existing.Source})", nameof(file));
            }

            var entry = new NicModelEntry(file, "added", null);
            _added.Add(entry);
            return entry;
        }
    }

    /// <summary>
    /// Finds the model an encoder should use: <paramref name="nameOrFamily"/> is a model's name or its family's name,
    /// and <paramref name="quality"/> a rate point of that family. Without a quality, a model name gives that model
    /// and a family name the middle rate point of the family (the lower of the two middle ones).
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.UnknownModel"/>: no such model, family or rate point; the message lists what there is.</exception>
    public NicModelEntry Find(string nameOrFamily, int? quality = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFamily);
        IReadOnlyList<NicModelEntry> models = Models;
        NicModelEntry? named = models.FirstOrDefault(m => m.Name == nameOrFamily);
        IReadOnlyList<NicModelEntry> members = FamilyOf(models, nameOrFamily);
        if (members.Count == 0)
        {
            throw new NicCodecException(NicCodecError.UnknownModel, $"no model or family named '{nameOrFamily}'; {Available(models)}");
        }

        if (quality is int q)
        {
            return members.FirstOrDefault(m => m.RatePoint == q)
                ?? throw new NicCodecException(NicCodecError.UnknownModel, $"family '{members[0].Family}' has no rate point {q}; its rate points are {string.Join(", ", members.Select(m => m.RatePoint))}");
        }

        return named ?? members[(members.Count - 1) / 2];
    }

    /// <summary>
    /// The members of a family, by rate point: <paramref name="nameOrFamily"/> is the family's name or the name of one
    /// of its models (as <see cref="Find"/> takes it). Empty when there is no such model or family.
    /// </summary>
    public IReadOnlyList<NicModelEntry> Family(string nameOrFamily)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFamily);
        return FamilyOf(Models, nameOrFamily);
    }

    private static NicModelEntry[] FamilyOf(IReadOnlyList<NicModelEntry> models, string nameOrFamily)
    {
        string family = models.FirstOrDefault(m => m.Name == nameOrFamily)?.Family ?? nameOrFamily;
        return [.. models.Where(m => m.Family == family)];
    }

    /// <summary>The model a <c>.nic</c> file names.</summary>
    /// <exception cref="NicCodecException">
    /// <see cref="NicCodecError.UnknownModel"/>: no model of that name; <see cref="NicCodecError.ModelHashMismatch"/>: a
    /// model of that name whose file differs. Both messages name what the file needs and what the catalog has.
    /// </exception>
    public NicModelFile Resolve(NicModelId id)
    {
        ArgumentNullException.ThrowIfNull(id);
        IReadOnlyList<NicModelEntry> models = Models;
        NicModelEntry[] named = models.Where(m => m.Name == id.Name).ToArray();
        if (named.Length == 0)
        {
            throw new NicCodecException(NicCodecError.UnknownModel, $"the file needs model '{id.Name}' (sha256 {id.Sha256Hex}), which is not installed; {Available(models)}");
        }

        return named.FirstOrDefault(m => m.File.Id.Equals(id))?.File
            ?? throw new NicCodecException(
                NicCodecError.ModelHashMismatch,
                $"the file needs model '{id.Name}' with sha256 {id.Sha256Hex}, but the installed '{id.Name}' has sha256 {string.Join(", ", named.Select(m => $"{m.Sha256Hex} ({m.Source})"))}");
    }

    private string Available(IReadOnlyList<NicModelEntry> models) =>
        models.Count == 0
            ? $"the catalog has no models (searched {string.Join(", ", _directories.Select(d => d.Directory))})"
            : $"available: {string.Join(", ", models.Select(m => $"{m.Name} (family {m.Family}, rate point {m.RatePoint})"))}";

    private List<NicModelEntry> Scan()
    {
        var models = new List<NicModelEntry>();
        var problems = new List<string>();
        foreach ((string directory, string source) in _directories)
        {
            if (!Directory.Exists(directory))
            {
                if (source != "shipped")
                {
                    problems.Add($"{directory}: no such directory");
                    _logger.LogWarning("Model directory {Directory} does not exist", directory);
                }

                continue;
            }

            foreach (string path in Directory.EnumerateFiles(directory, "*" + ModelFileExtension).Order(StringComparer.Ordinal))
            {
                try
                {
                    NicModelFile file = NicModelFile.Load(path);
                    NicModelEntry? clash = models.FirstOrDefault(m => m.Name == file.Name);
                    if (clash is not null)
                    {
                        problems.Add($"{path}: skipped, the name '{file.Name}' is already taken by {clash.Path}");
                        _logger.LogWarning("Model file {Path} skipped: the name {Name} is already taken by {Other}", path, file.Name, clash.Path);
                        continue;
                    }

                    models.Add(new NicModelEntry(file, source, path));
                }
                catch (Exception e) when (e is NicException or IOException or UnauthorizedAccessException)
                {
                    problems.Add($"{path}: {e.Message}");
                    _logger.LogWarning("Model file {Path} skipped: {Reason}", path, e.Message);
                }
            }
        }

        _problems = problems;
        return models;
    }
}
