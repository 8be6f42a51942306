using Nic.Cli.Imaging;
using Nic.Codec.Imaging;

namespace Nic.Cli.Eval;

/// <summary>An image of the evaluation set: its file name and pixels (box-downscaled and centre-cropped when asked).</summary>
internal sealed record EvalImage(string Name, RgbImage Image)
{
    /// <summary>The extensions <see cref="LoadDirectory"/> reads.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".ppm", ".pnm", ".bmp", ".tga"];

    /// <summary>
    /// Every image of <paramref name="directory"/> in name order, each downscaled by <paramref name="downscale"/> (1: as
    /// is), then, with a <paramref name="crop"/>, cut to its centre crop × crop pixels (a side already shorter is kept).
    /// </summary>
    public static IReadOnlyList<EvalImage> LoadDirectory(string directory, int downscale, int? crop = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(downscale, 1);
        if (crop is int side)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(side, 1, nameof(crop));
        }

        return [.. Directory.EnumerateFiles(directory)
            .Where(path => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .Select(path => new EvalImage(Path.GetFileName(path), CentreCrop(ImageResampling.BoxDownscale(ImageFiles.Read(path), downscale), crop)))];
    }

    /// <summary>The centre <paramref name="crop"/> × <paramref name="crop"/> pixels of <paramref name="image"/> (the left and top margins rounded down).</summary>
    internal static RgbImage CentreCrop(RgbImage image, int? crop)
    {
        if (crop is not int side || (side >= image.Width && side >= image.Height))
        {
            return image;
        }

        int width = Math.Min(side, image.Width);
        int height = Math.Min(side, image.Height);
        int left = (image.Width - width) / 2;
        int top = (image.Height - height) / 2;
        var output = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            image.GetRow(top + y).Slice(left * RgbImage.BytesPerPixel, width * RgbImage.BytesPerPixel).CopyTo(output.GetRow(y));
        }

        return output;
    }
}
