using System.Runtime.ExceptionServices;
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
/// with a warning and listed in <see cref="Problems"/>. A variable-rate family file is listed from its header alone
/// (its points' names, SHA-256s, rate points and λ) and loaded, with every check of spec/nic-model.md §11, when one of
/// its models is first used: a process that codes with one family reads and holds only that one. If that load fails,
/// the use throws a <see cref="NicCodecException"/> naming the file, and the file joins <see cref="Problems"/> and
/// leaves <see cref="Models"/> and <see cref="Families"/> (fixed-rate copies of its points found beside it come back).
/// Thread-safe.
/// </summary>
public sealed class NicModelCatalog
{
    /// <summary>The model an encoder uses when it is not told which.</summary>
    public const string DefaultModelName = "nic-mbt2018-mean-cc-q4";

    /// <summary>The extension of model files.</summary>
    public const string ModelFileExtension = ".nicm";

    private readonly object _gate = new();
    private readonly List<(string Directory, string Source)> _directories = [];
    private readonly List<NicModelEntry> _added = [];
    private readonly List<FamilySlot> _addedFamilies = [];
    private readonly LinkedList<NicModelEntry> _interpolated = new();
    private readonly ILogger _logger;
    private List<NicModelEntry>? _models;
    private List<FamilySlot> _families = [];
    private List<string> _problems = [];

    /// <summary>How many models interpolated between trained points the catalog keeps (most recently used first).</summary>
    internal const int InterpolatedCacheSize = 8;

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

    /// <summary>
    /// Every model, ordered by family, rate point and name. The first access scans the directories; a family whose
    /// deferred load failed is no longer among them.
    /// </summary>
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

    /// <summary>
    /// The variable-rate families (spec/nic-model.md §11): their trained points are among <see cref="Models"/>, and any
    /// rate between them is available through <see cref="FindAtQuality"/>. Reading this loads every family file not yet
    /// loaded; one that fails its checks is left out (and joins <see cref="Problems"/>).
    /// </summary>
    public IReadOnlyList<NicModelFamily> Families
    {
        get
        {
            var families = new List<NicModelFamily>();
            foreach (FamilySlot slot in Slots())
            {
                try
                {
                    families.Add(slot.Family);
                }
                catch (Exception e) when (IsFileProblem(e))
                {
                    // Recorded in Problems by the load.
                }
            }

            return families;
        }
    }

    /// <summary>The families, scanned and added, in order, without loading them.</summary>
    private FamilySlot[] Slots()
    {
        lock (_gate)
        {
            _models ??= Scan();
            return [.. _families, .. _addedFamilies];
        }
    }

    /// <summary>Files that were skipped while scanning, then family files whose first use failed, each with the reason.</summary>
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

    /// <summary>
    /// Adds a model held in memory (an embedded resource, a model just trained, a test model). The same model (name and
    /// SHA-256) already known gives its entry; where that is a point of a family file not yet loaded, the model given
    /// here stays behind it and comes back should that file fail its checks.
    /// </summary>
    /// <exception cref="ArgumentException">A model with the same name but another SHA-256 is already known.</exception>
    public NicModelEntry Add(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        lock (_gate)
        {
            NicModelEntry? existing = Models.FirstOrDefault(m => m.Name == file.Name);
            if (existing is not null)
            {
                if (existing.Id.Equals(file.Id))
                {
                    _families.FirstOrDefault(f => f.Entries.Contains(existing))?.KeepBehind(new NicModelEntry(file, "added", null));
                    return existing;
                }

                throw new ArgumentException($"the catalog already has a model named '{file.Name}' with another SHA-256 ({existing.Source})", nameof(file));
            }

            var entry = new NicModelEntry(file, "added", null);
            _added.Add(entry);
            return entry;
        }
    }

    /// <summary>Adds a variable-rate family held in memory; its trained points become models of the catalog.</summary>
    /// <exception cref="ArgumentException">A model or family of one of its names is already known with another SHA-256.</exception>
    public void Add(NicModelFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);

        // A family of that name already listed: other points are another family; the same points are compared by the
        // whole file's SHA-256, which takes loading it (outside the lock, as every load is).
        if (Slots().FirstOrDefault(f => f.Name == family.Name) is { } listed)
        {
            if (listed.Entries.Length > 0 && !listed.Entries.Select(e => e.Id).SequenceEqual(family.Points.Select(p => p.Id)))
            {
                throw new ArgumentException($"the catalog already has a family named '{family.Name}' with other points", nameof(family));
            }

            NicModelFamily? known = null;
            try
            {
                known = listed.Family;
            }
            catch (NicCodecException)
            {
                // Its file failed its checks and has left the catalog: the name is free.
            }

            if (known is not null && known.Id.Equals(family.Id))
            {
                return;
            }

            if (known is not null)
            {
                throw new ArgumentException($"the catalog already has a family named '{family.Name}' with another SHA-256", nameof(family));
            }
        }

        lock (_gate)
        {
            if (_families.Concat(_addedFamilies).FirstOrDefault(f => f.Name == family.Name) is { } named)
            {
                // The same family, added meanwhile by another thread, is there already.
                if (named.Holds(family))
                {
                    return;
                }

                throw new ArgumentException($"the catalog already has a family named '{family.Name}'", nameof(family));
            }

            foreach (NicModelFile point in family.Points)
            {
                Add(point);
            }

            _addedFamilies.Add(new FamilySlot(family, "added"));
        }
    }

    /// <summary>The variable-rate family of <paramref name="nameOrFamily"/> (the family's name or one of its models' names); null when it has none.</summary>
    /// <exception cref="NicCodecException">The family's file, loaded now, failed its checks (as <see cref="NicModelEntry.File"/>).</exception>
    public NicModelFamily? FindFamily(string nameOrFamily)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFamily);
        IReadOnlyList<NicModelEntry> models = Models;
        string family = models.FirstOrDefault(m => m.Name == nameOrFamily)?.Family ?? nameOrFamily;
        return Slots().FirstOrDefault(f => f.Name == family)?.Family;
    }

    /// <summary>
    /// The model an encoder uses at <paramref name="quality"/> on Nic's quality scale (0–100, λ = 0.0018·100^(quality/100),
    /// <see cref="NicModelFamily.LambdaForQuality"/>): with a variable-rate family, the rate position of that λ (a
    /// trained point, or a model interpolated between two); with a family of fixed-rate files only, the point whose λ is
    /// nearest in log scale. A quality beyond the family's trained λ gives its first or last point.
    /// </summary>
    /// <exception cref="NicCodecException">
    /// <see cref="NicCodecError.UnknownModel"/>: no such model or family; or, as <see cref="NicModelEntry.File"/>, the
    /// family's file, loaded now, failed its checks.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The quality is not a number from 0 to 100.</exception>
    public NicModelEntry FindAtQuality(string nameOrFamily, double quality)
    {
        double lambda = NicModelFamily.LambdaForQuality(quality);
        NicModelFamily? family = FindFamily(nameOrFamily);
        if (family is not null)
        {
            return AtPosition(family, family.PositionForLambda(lambda));
        }

        IReadOnlyList<NicModelEntry> members = Family(nameOrFamily);
        if (members.Count == 0)
        {
            throw new NicCodecException(NicCodecError.UnknownModel, $"no model or family named '{nameOrFamily}'; {Available(Models)}");
        }

        return members.MinBy(m => Math.Abs(Math.Log(m.File.Lambda / lambda)))!;
    }

    /// <summary>
    /// The model of <paramref name="family"/> at a rate position: the catalog's entry of a trained point, or a model
    /// interpolated between two (the last <see cref="InterpolatedCacheSize"/> are kept, so repeated uses share one).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not one of the family's.</exception>
    public NicModelEntry AtPosition(NicModelFamily family, double position)
    {
        ArgumentNullException.ThrowIfNull(family);
        NicModelFile file = family.AtPosition(position);
        IReadOnlyList<NicModelEntry> models = Models;
        if (file.RatePosition is null)
        {
            return models.FirstOrDefault(m => m.Id.Equals(file.Id)) ?? new NicModelEntry(file, "added", null);
        }

        lock (_gate)
        {
            for (LinkedListNode<NicModelEntry>? node = _interpolated.First; node is not null; node = node.Next)
            {
                if (family.Id.Equals(node.Value.File.FamilyId) && node.Value.File.RatePosition == file.RatePosition)
                {
                    _interpolated.Remove(node);
                    _interpolated.AddFirst(node);
                    return node.Value;
                }
            }

            FamilySlot? slot = _families.Concat(_addedFamilies).FirstOrDefault(f => f.Holds(family));
            var entry = new NicModelEntry(file, slot is null ? "added" : $"{slot.Source}, interpolated", slot?.Path);
            _interpolated.AddFirst(entry);
            if (_interpolated.Count > InterpolatedCacheSize)
            {
                _interpolated.RemoveLast();
            }

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
    /// model of that name whose file differs. Both messages name what the file needs and what the catalog has. Or, as
    /// <see cref="NicModelEntry.File"/>, the model's family file, loaded now, failed its checks.
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

        return named.FirstOrDefault(m => m.Id.Equals(id))?.File
            ?? throw new NicCodecException(
                NicCodecError.ModelHashMismatch,
                $"the file needs model '{id.Name}' with sha256 {id.Sha256Hex}, but the installed '{id.Name}' has sha256 {string.Join(", ", named.Select(m => $"{m.Sha256Hex} ({m.Source})"))}");
    }

    /// <summary>
    /// The model a <c>.nic</c> header names: a fixed-rate model by name and SHA-256 (<see cref="Resolve(NicModelId)"/>), or
    /// a variable-rate family file, at the rate position its <c>rate_parameter</c> gives (spec/nic-format.md §7.1).
    /// </summary>
    /// <exception cref="NicCodecException">
    /// As <see cref="Resolve(NicModelId)"/>; <see cref="NicCodecError.InvalidRate"/> when a family's rate parameter is not
    /// one of its rate positions; and as <see cref="NicModelEntry.File"/> when the family's file, loaded now, fails its checks.
    /// </exception>
    public NicModelFile Resolve(NicModelId id, float rateParameter)
    {
        ArgumentNullException.ThrowIfNull(id);
        FamilySlot? slot = Slots().FirstOrDefault(f => f.Name == id.Name);
        if (slot is null)
        {
            return Resolve(id);
        }

        NicModelFamily family = slot.Family;
        if (!family.Id.Equals(id))
        {
            throw new NicCodecException(NicCodecError.ModelHashMismatch, $"the file needs model '{id.Name}' with sha256 {id.Sha256Hex}, but the installed family '{id.Name}' has sha256 {family.Id.Sha256Hex}");
        }

        if (!family.IsValidPosition(rateParameter))
        {
            throw new NicCodecException(NicCodecError.InvalidRate, $"the file's rate_parameter {rateParameter.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is not a rate position of family '{family.Name}' (a multiple of 1/{NicModelFamily.StepsPerInterval} from 0 to {family.MaxPosition})");
        }

        return AtPosition(family, rateParameter).File;
    }

    private string Available(IReadOnlyList<NicModelEntry> models) =>
        models.Count == 0
            ? $"the catalog has no models (searched {string.Join(", ", _directories.Select(d => d.Directory))})"
            : $"available: {string.Join(", ", models.Select(m => $"{m.Name} (family {m.Family}, rate point {m.RatePoint})"))}";

    private static bool IsFileProblem(Exception e) => e is NicException or IOException or UnauthorizedAccessException;

    /// <summary>A model file the catalog leaves out, with the reason: one of the problems, and a warning.</summary>
    private void Skip(List<string> problems, string path, string reason)
    {
        problems.Add($"{path}: {reason}");
        _logger.LogWarning("Model file {Path} skipped: {Reason}", path, reason);
    }

    /// <summary>
    /// Loads a listed family file on first use (<see cref="FamilySlot.Family"/>, never under <see cref="_gate"/>): the
    /// whole file, every check of spec/nic-model.md §11, and the points it was listed with. On failure the file becomes
    /// one of the <see cref="Problems"/> and leaves the catalog (the fixed-rate copies of its points that it displaced
    /// come back), and a <see cref="NicCodecException"/> naming the file goes to the caller.
    /// </summary>
    private NicModelFamily LoadFamily(FamilySlot slot)
    {
        try
        {
            NicModelFamily family = NicModelFamily.Load(SafetensorsReader.ReadFile(slot.Path!, NicModelFile.DefaultMaxFileLength));
            if (family.Name != slot.Name || !family.Points.Select(p => p.Id).SequenceEqual(slot.Entries.Select(e => e.Id)))
            {
                throw new NicCodecException(NicCodecError.ModelFileCorrupt, "the file changed after the catalog listed it: its header no longer names the same family and points");
            }

            return family;
        }
        catch (Exception e) when (IsFileProblem(e))
        {
            // The same code (an unreadable file is ModelNotFound), the file named in the message.
            (NicCodecError error, string reason) = e switch
            {
                NicCodecException codec => (codec.Error, codec.Message),
                NicException other => (NicCodecError.ModelFileCorrupt, other.Message),
                _ => (NicCodecError.ModelNotFound, $"the file cannot be read: {e.Message}"),
            };
            lock (_gate)
            {
                Skip(_problems, slot.Path!, reason);
                _models?.RemoveAll(m => slot.Entries.Contains(m));
                _models?.AddRange(slot.Displaced);
                _families.Remove(slot);
            }

            throw new NicCodecException(error, $"model file {slot.Path}: {reason}");
        }
    }

    private List<NicModelEntry> Scan()
    {
        var models = new List<NicModelEntry>();
        var families = new List<FamilySlot>();
        var problems = new List<string>();

        // What the directories list, in order: a file to load, or a missing directory to report in its place.
        var files = new List<(string? Path, string Source, string? MissingDirectory)>();
        foreach ((string directory, string source) in _directories)
        {
            if (!Directory.Exists(directory))
            {
                if (source != "shipped")
                {
                    files.Add((null, source, directory));
                }

                continue;
            }

            files.AddRange(Directory.EnumerateFiles(directory, "*" + ModelFileExtension).Order(StringComparer.Ordinal).Select(path => ((string?)path, source, (string?)null)));
        }

        // The files are read side by side (a fixed-rate file loaded whole; of a family file only the header, its points
        // listed from it and the file loaded on first use), then join the catalog one by one in the order above, so which
        // file wins a name, and the order of the problems, do not depend on which finished first. An unexpected exception
        // comes out as itself, at its file's turn.
        var loaded = new (object? Model, Exception? Problem)[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            if (files[i].Path is not { } path)
            {
                return;
            }

            try
            {
                SafetensorsFile header = SafetensorsReader.ReadHeader(path, NicModelFile.DefaultMaxFileLength);
                if (ModelFamilyParser.IsFamily(header.Metadata))
                {
                    (string name, IReadOnlyList<ModelFamilyParser.DeclaredPoint> points) = ModelFamilyParser.ReadDeclaration(header.Metadata);
                    loaded[i] = (new FamilyListing(name, points), null);
                }
                else
                {
                    loaded[i] = (NicModelFile.Load(SafetensorsReader.ReadFile(path, NicModelFile.DefaultMaxFileLength)), null);
                }
            }
            catch (Exception e)
            {
                loaded[i] = (null, e);
            }
        });

        for (int i = 0; i < files.Count; i++)
        {
            (string? path, string source, string? missing) = files[i];
            switch (loaded[i])
            {
                case (_, _) when missing is not null:
                    problems.Add($"{missing}: no such directory");
                    _logger.LogWarning("Model directory {Directory} does not exist", missing);
                    break;

                case (_, { } problem) when IsFileProblem(problem):
                    Skip(problems, path!, problem.Message);
                    break;

                case (_, { } unexpected):
                    ExceptionDispatchInfo.Capture(unexpected).Throw();
                    break;

                case (FamilyListing listing, _):
                {
                    // A fixed-rate file that a point of the family rebuilds exactly (left beside the family file by an
                    // upgrade) is the same model: the family's point replaces it. Any other clash is a conflict.
                    // (Kept aside: should the family fail its checks on first use, they come back.)
                    var slot = new FamilySlot(listing, source, path!, LoadFamily);
                    NicModelEntry[] displaced = [.. models.Where(m => slot.Entries.Any(p => p.Id.Equals(m.Id)))];
                    string? taken = slot.Entries.Select(p => p.Name).Append(slot.Name)
                        .FirstOrDefault(n => models.Any(m => m.Name == n && !displaced.Contains(m)) || families.Any(f => f.Name == n));
                    if (taken is not null)
                    {
                        Skip(problems, path!, $"skipped, the name '{taken}' is already taken");
                        break;
                    }

                    models.RemoveAll(displaced.Contains);
                    foreach (NicModelEntry copy in displaced)
                    {
                        slot.KeepBehind(copy);
                    }

                    families.Add(slot);
                    models.AddRange(slot.Entries);
                    break;
                }

                case (NicModelFile file, _):
                {
                    if (families.FirstOrDefault(f => f.Entries.Any(p => p.Id.Equals(file.Id))) is { } owner)
                    {
                        // The same model as a family's point, which the catalog already has; it comes back should the
                        // family fail its checks.
                        owner.KeepBehind(new NicModelEntry(file, source, path));
                        break;
                    }

                    NicModelEntry? clash = models.FirstOrDefault(m => m.Name == file.Name);
                    if (clash is not null || families.Any(f => f.Name == file.Name))
                    {
                        Skip(problems, path!, $"skipped, the name '{file.Name}' is already taken by {clash?.Path ?? "a family"}");
                        break;
                    }

                    models.Add(new NicModelEntry(file, source, path));
                    break;
                }
            }
        }

        _problems = problems;
        _families = families;
        return models;
    }

    /// <summary>A family file as its header lists it: the family's name and its declared points.</summary>
    private sealed record FamilyListing(string Name, IReadOnlyList<ModelFamilyParser.DeclaredPoint> Points);

    /// <summary>
    /// A variable-rate family the catalog knows: its name and point entries without loading it, and the family itself,
    /// loaded once on first use (a family added in memory is loaded already). A load that fails on the file (a
    /// <see cref="NicException"/>, an I/O error) fails every later use the same way; any other exception is not kept,
    /// and the next use tries again.
    /// </summary>
    private sealed class FamilySlot
    {
        private readonly Func<FamilySlot, NicModelFamily>? _load;
        private readonly object _loadGate = new();
        private NicModelFamily? _family;
        private ExceptionDispatchInfo? _failure;

        public FamilySlot(NicModelFamily family, string source)
        {
            (Name, Source, Path, _family) = (family.Name, source, null, family);
            Entries = [];
        }

        public FamilySlot(FamilyListing listing, string source, string path, Func<FamilySlot, NicModelFamily> load)
        {
            (Name, Source, Path, _load) = (listing.Name, source, path, load);
            Entries = [.. listing.Points.Select((point, i) => new NicModelEntry(point, () => Family.Points[i], source, path))];
        }

        public string Name { get; }

        public string Source { get; }

        public string? Path { get; }

        /// <summary>The catalog's entries of a scanned family's points (a family added in memory adds its points as models of their own).</summary>
        public NicModelEntry[] Entries { get; }

        /// <summary>Fixed-rate copies of the family's points (found in the scan or added in memory), which come back should the family fail its checks.</summary>
        public List<NicModelEntry> Displaced { get; } = [];

        /// <summary>Keeps <paramref name="copy"/> behind the family's point of the same identity (one copy a point; under the catalog's lock).</summary>
        public void KeepBehind(NicModelEntry copy)
        {
            if (!Displaced.Any(d => d.Id.Equals(copy.Id)))
            {
                Displaced.Add(copy);
            }
        }

        /// <summary>The family, loaded and checked on first use.</summary>
        /// <exception cref="NicCodecException">The file failed its checks (then on every use).</exception>
        public NicModelFamily Family
        {
            get
            {
                lock (_loadGate)
                {
                    if (_family is not null)
                    {
                        return _family;
                    }

                    // The failure is captured once: every later use throws the same exception (a fresh capture would add
                    // a stack trace to it at every use).
                    _failure?.Throw();
                    try
                    {
                        return _family = _load!(this);
                    }
                    catch (NicException e)
                    {
                        _failure = ExceptionDispatchInfo.Capture(e);
                        throw;
                    }
                }
            }
        }

        /// <summary>Whether this slot's family is loaded and is <paramref name="family"/> (the same SHA-256), without waiting for a load: callable under the catalog's lock.</summary>
        public bool Holds(NicModelFamily family) => Volatile.Read(ref _family)?.Id.Equals(family.Id) == true;
    }
}
