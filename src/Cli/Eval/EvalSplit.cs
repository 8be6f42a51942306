namespace Nic.Cli.Eval;

/// <summary>
/// A named set of evaluation images: a folder, and the box-downscale factor its images get before coding. Every figure
/// <c>nic eval</c> prints is per split, so that none can be read without knowing which images it is on.
/// </summary>
/// <param name="Name">The split's name: a standard split's, or the folder's own name.</param>
/// <param name="Directory">The folder of images.</param>
/// <param name="Downscale">The box-downscale factor (1: as is).</param>
internal sealed record EvalSplit(string Name, string Directory, int Downscale)
{
    /// <summary>The folder, under the data directory, that <c>scripts/fetch-data.sh</c> lays the photographs out in.</summary>
    public const string DefaultDataDirectory = "data/photos";

    /// <summary>
    /// The project's standard validation splits (<c>docs/data.md</c>), never trained on, each with the downscale its
    /// figures are reported at: the four smooth wallpapers 2× box-downscaled, and the textured photographs as
    /// <c>scripts/fetch-data.sh</c> prepares them.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, int Downscale)> Standard = [("validation", 2), ("textured", 1)];

    /// <summary>The standard splits named in <paramref name="names"/> (comma-separated; "all" for every one), under <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="ArgumentException">An unknown or repeated name, or none.</exception>
    public static IReadOnlyList<EvalSplit> ParseStandard(string names, string dataDirectory)
    {
        string[] requested = names.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
            ? [.. Standard.Select(s => s.Name)]
            : names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (requested.Length == 0)
        {
            throw new ArgumentException($"--splits needs one or more of {string.Join(", ", Standard.Select(s => s.Name))}, or all");
        }

        var splits = new List<EvalSplit>();
        foreach (string name in requested)
        {
            (string Name, int Downscale) standard = Standard.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (standard.Name is null)
            {
                throw new ArgumentException($"unknown split '{name}'; the standard splits are {string.Join(", ", Standard.Select(s => s.Name))} (or give folders instead)");
            }

            if (splits.Any(s => s.Name == standard.Name))
            {
                throw new ArgumentException($"split '{standard.Name}' is named twice");
            }

            splits.Add(new EvalSplit(standard.Name, Path.Combine(dataDirectory, standard.Name), standard.Downscale));
        }

        return splits;
    }

    /// <summary>One split per folder, each named by the folder's own name and downscaled by <paramref name="downscale"/>.</summary>
    /// <exception cref="ArgumentException">Two folders of the same name (their figures could not be told apart).</exception>
    public static IReadOnlyList<EvalSplit> FromDirectories(IEnumerable<string> directories, int downscale)
    {
        var splits = new List<EvalSplit>();
        foreach (string directory in directories)
        {
            string full = Path.GetFullPath(directory);
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
            if (name.Length == 0)
            {
                name = full;
            }

            if (splits.Any(s => s.Name == name))
            {
                throw new ArgumentException($"two folders are named '{name}'; each split is named by its folder, so the names must differ");
            }

            splits.Add(new EvalSplit(name, full, downscale));
        }

        return splits;
    }

    /// <summary>
    /// Where this split's plot goes when <paramref name="count"/> splits share one <c>--plot</c> path: the path itself
    /// for one split, otherwise the split's name before the extension (<c>rd.png</c> → <c>rd-textured.png</c>).
    /// </summary>
    public string PlotPath(string path, int count) => count == 1
        ? path
        : Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{Name}{Path.GetExtension(path)}");
}
