using Nic.Cli.Imaging;

namespace Nic.Cli.Commands;

/// <summary>The rule by which <c>nic decode</c> chooses the format it writes: the output's extension, else <c>--format</c>, else PNG.</summary>
internal static class OutputFormats
{
    /// <summary>The extensions decode writes, and their formats.</summary>
    private static readonly Dictionary<string, ImageOutputFormat> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = ImageOutputFormat.Png,
        [".ppm"] = ImageOutputFormat.Ppm,
        [".bmp"] = ImageOutputFormat.Bmp,
    };

    /// <summary>
    /// The format to write to <paramref name="path"/> (null for standard output): that of its extension (<c>.png</c>,
    /// <c>.ppm</c>, <c>.bmp</c>, any case); <paramref name="requested"/> (<c>--format</c>) for standard output or a
    /// name without extension; PNG when neither says.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The extension is one decode cannot write (<c>.pgm</c>: a .nic file decodes to colour; <c>.jpg</c> and others),
    /// or <c>--format</c> contradicts it.
    /// </exception>
    public static ImageOutputFormat Resolve(string? path, ImageOutputFormat? requested)
    {
        string extension = path is null ? string.Empty : Path.GetExtension(path);
        if (extension.Length == 0)
        {
            return requested ?? ImageOutputFormat.Png;
        }

        if (!Extensions.TryGetValue(extension, out ImageOutputFormat format))
        {
            string why = extension.Equals(".pgm", StringComparison.OrdinalIgnoreCase)
                ? "a .nic file decodes to RGB and PGM holds grey only"
                : $"decode does not write {extension} files";
            throw new ArgumentException($"cannot write '{path}': {why}; write .png, .ppm or .bmp (or -o - with --format png|ppm|bmp)");
        }

        if (requested is { } asked && asked != format)
        {
            throw new ArgumentException($"--format {asked.ToString().ToLowerInvariant()} contradicts the extension of '{path}'; leave out --format or change the extension");
        }

        return format;
    }
}
