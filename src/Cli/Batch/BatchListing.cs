using System.Text.Json;

namespace Nic.Cli.Batch;

/// <summary>
/// The items of a batch: the files of a directory tree, or the lines of a manifest. Every shard lists the whole batch
/// the same way, so that they agree on each item's relative path (what the split hashes) and on output conflicts.
/// </summary>
internal static class BatchListing
{
    /// <summary>The extensions an encode takes from a directory tree (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".bmp", ".tga"];

    /// <summary>
    /// The items of <paramref name="input"/>, sorted by relative path: under a directory, every file with an input
    /// extension of <paramref name="mode"/> (files and folders whose names start with '.' are left out: the batch's own
    /// report folder and temporary files are such); a file is a manifest whose paths are relative to
    /// <paramref name="root"/> (default: the manifest's folder).
    /// </summary>
    /// <exception cref="ArgumentException">The input does not exist, or a manifest line is not valid (the message names the line).</exception>
    public static IReadOnlyList<BatchItem> List(string input, BatchMode mode, string? root)
    {
        string full = Path.GetFullPath(input);
        if (Directory.Exists(full))
        {
            if (root is not null)
            {
                throw new ArgumentException("--root applies to a manifest; INPUT is a directory");
            }

            return ListDirectory(full, mode);
        }

        if (File.Exists(full))
        {
            return ReadManifest(full, mode, Path.GetFullPath(root ?? Path.GetDirectoryName(full)!));
        }

        throw new ArgumentException($"the input '{input}' is neither a directory nor a manifest file");
    }

    /// <summary>The output's relative path for an input's: its extension replaced by .nic (encode) or .png (decode).</summary>
    public static string OutputPathOf(string relativePath, BatchMode mode) =>
        Path.ChangeExtension(relativePath, mode == BatchMode.Encode ? ".nic" : ".png");

    private static List<BatchItem> ListDirectory(string directory, BatchMode mode)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            MatchType = MatchType.Simple,
        };
        var items = new List<BatchItem>();
        foreach (string file in Directory.EnumerateFiles(directory, "*", options))
        {
            string relative = Normalize(Path.GetRelativePath(directory, file));
            if (relative.Split('/').Any(part => part.StartsWith('.')) || !Accepts(relative, mode))
            {
                continue;
            }

            items.Add(new BatchItem(relative, file, OutputPathOf(relative, mode)));
        }

        items.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return items;
    }

    private static List<BatchItem> ReadManifest(string manifest, BatchMode mode, string root)
    {
        var items = new List<BatchItem>();
        var seen = new Dictionary<string, (BatchItem Item, int Line)>(StringComparer.Ordinal);
        int number = 0;
        foreach (string raw in File.ReadLines(manifest))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string path;
            string? model = null;
            double? quality = null;
            int? ratePoint = null;
            if (line.StartsWith('{'))
            {
                BatchManifestLine? parsed;
                try
                {
                    parsed = JsonSerializer.Deserialize(line, BatchJsonContext.Default.BatchManifestLine);
                }
                catch (JsonException e)
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: {e.Message}");
                }

                if (parsed?.Path is not { Length: > 0 })
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: no \"path\"");
                }

                if (mode == BatchMode.Decode && (parsed.Model is not null || parsed.Quality is not null || parsed.RatePoint is not null))
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: \"model\", \"quality\" and \"rate_point\" apply to encode only");
                }

                if (parsed.Quality is not null && parsed.RatePoint is not null)
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: \"quality\" and \"rate_point\" each choose the rate: give one");
                }

                if (parsed.Quality is double q && !(q >= 0 && q <= 100))
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: \"quality\" must be a number from 0 to 100, not {q}");
                }

                (path, model, quality, ratePoint) = (parsed.Path, parsed.Model, parsed.Quality, parsed.RatePoint);
            }
            else
            {
                path = line;
            }

            string full = Path.GetFullPath(path, root);
            string relative = Normalize(Path.GetRelativePath(root, full));
            if (relative == "." || relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                throw new ArgumentException($"manifest '{manifest}' line {number}: '{path}' is not under the root '{root}' (--root sets it)");
            }

            var item = new BatchItem(relative, full, OutputPathOf(relative, mode), model, quality, ratePoint);
            if (seen.TryGetValue(relative, out var first))
            {
                // The same item twice is one item; the same path with other options is a mistake to be fixed, not guessed at.
                if (first.Item != item)
                {
                    throw new ArgumentException($"manifest '{manifest}' line {number}: '{relative}' is listed on line {first.Line} with other options");
                }

                continue;
            }

            seen.Add(relative, (item, number));
            items.Add(item);
        }

        items.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return items;
    }

    private static bool Accepts(string relativePath, BatchMode mode)
    {
        string extension = Path.GetExtension(relativePath);
        return mode == BatchMode.Encode
            ? ImageExtensions.Any(e => e.Equals(extension, StringComparison.OrdinalIgnoreCase))
            : extension.Equals(".nic", StringComparison.OrdinalIgnoreCase);
    }

    private static string Normalize(string relativePath) => relativePath.Replace(Path.DirectorySeparatorChar, '/');
}
