using Nic.Codec.Catalog;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>--quality</c> of the commands that encode: a rate point of the chosen family. A value the family does not have is a
/// bad option (exit 1, with the valid range), not a missing model (exit 3, which says an install is incomplete).
/// </summary>
internal static class QualityOption
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the flag and the family's rate points when <paramref name="options"/>' quality is not one of them.</summary>
    public static void Check(NicCodec codec, NicEncodeOptions options)
    {
        if (options.Quality is not int quality)
        {
            return;
        }

        IReadOnlyList<NicModelEntry> family = codec.Catalog.Family(options.Model ?? codec.Options.DefaultModel);
        int[] points = [.. family.Select(m => m.RatePoint).Distinct()];
        if (points.Length > 0 && !points.Contains(quality))
        {
            throw new ArgumentException($"--quality {quality} is not a rate point of family '{family[0].Family}': use {Describe(points)}");
        }
    }

    /// <summary>"1–6" for consecutive points, else the list.</summary>
    private static string Describe(int[] points) =>
        points.Length > 1 && points[^1] - points[0] == points.Length - 1 ? $"{points[0]}–{points[^1]}" : string.Join(", ", points);
}
