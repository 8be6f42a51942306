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
}
