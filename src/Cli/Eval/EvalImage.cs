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
            .Select(path => new EvalImage(Path.GetFileName(path), BoxDownscale(ImageFiles.Read(path), downscale)))];
    }

    /// <summary>Each output pixel is the rounded mean of a <paramref name="factor"/> × <paramref name="factor"/> block; a partial last block is dropped.</summary>
    public static RgbImage BoxDownscale(RgbImage image, int factor)
    {
        if (factor == 1)
        {
            return image;
        }

        int width = Math.Max(1, image.Width / factor), height = Math.Max(1, image.Height / factor);
        int fx = Math.Min(factor, image.Width), fy = Math.Min(factor, image.Height);
        var result = new RgbImage(width, height);
        var sums = new int[width * 3];
        for (int y = 0; y < height; y++)
        {
            Array.Clear(sums);
            for (int dy = 0; dy < fy; dy++)
            {
                ReadOnlySpan<byte> row = image.GetRow((y * fy) + dy);
                for (int x = 0; x < width * fx; x++)
                {
                    int target = x / fx * 3;
                    sums[target] += row[3 * x];
                    sums[target + 1] += row[(3 * x) + 1];
                    sums[target + 2] += row[(3 * x) + 2];
                }
            }

            Span<byte> output = result.GetRow(y);
            int count = fx * fy;
            for (int i = 0; i < sums.Length; i++)
            {
                output[i] = (byte)((sums[i] + (count / 2)) / count);
            }
        }

        return result;
    }
}
