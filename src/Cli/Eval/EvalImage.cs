using Nic.Cli.Imaging;
using Nic.Codec.Imaging;

namespace Nic.Cli.Eval;

/// <summary>An image of the evaluation set: its file name and pixels (box-downscaled when asked).</summary>
internal sealed record EvalImage(string Name, RgbImage Image)
{
    /// <summary>The extensions <see cref="LoadDirectory"/> reads.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".ppm", ".pnm", ".bmp", ".tga"];

    /// <summary>Every image of <paramref name="directory"/> in name order, each downscaled by <paramref name="downscale"/> (1: as is).</summary>
    public static IReadOnlyList<EvalImage> LoadDirectory(string directory, int downscale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(downscale, 1);
        return [.. Directory.EnumerateFiles(directory)
            .Where(path => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .Select(path => new EvalImage(Path.GetFileName(path), ImageResampling.BoxDownscale(ImageFiles.Read(path), downscale)))];
    }
}
