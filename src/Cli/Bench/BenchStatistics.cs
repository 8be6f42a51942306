namespace Nic.Cli.Bench;

/// <summary>Summaries of repeated timings shared by the benchmarks: these machines are noisy, so medians are reported.</summary>
internal static class BenchStatistics
{
    /// <summary>The median of <paramref name="samples"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyCollection<double> samples)
    {
        double[] sorted = [.. samples];
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>
    /// A measured duration or rate for the JSON output, kept to four significant digits (not four decimals: a 2 ms
    /// median rounded to 0.0020 s would be 2 % off, and a ratio of two printed figures would not be the printed ratio).
    /// </summary>
    public static double Significant(double value, int digits = 4)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return value;
        }

        int decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return decimals is >= 0 and <= 15 ? Math.Round(value, decimals) : value;
    }
}
