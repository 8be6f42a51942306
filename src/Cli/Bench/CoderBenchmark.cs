using System.Diagnostics;
using Nic.Codec;
using Nic.Codec.Entropy;

namespace Nic.Cli.Bench;

/// <summary>
/// The entropy-coder benchmark behind <c>nic bench coder</c>: symbols drawn from discretized Gaussians with 64
/// log-spaced scale tables, scale indexes uniform over a prefix of the table, single-threaded encode and decode
/// timed over several runs (median reported), and the coded size compared with the information content.
/// </summary>
internal static class CoderBenchmark
{
    /// <summary>The scale-index ranges measured: 0–63, 0–31 and 0–15.</summary>
    public static readonly int[] IndexRanges = [64, 32, 16];

    public static CoderBenchmarkResult Run(QuantizedCdfTables tables, double[] scales, int indexRange, int symbolCount, int runs, int seed, Action<string>? progress = null)
    {
        var random = new Random(seed);
        var indexes = new int[symbolCount];
        var values = new int[symbolCount];
        for (int i = 0; i < symbolCount; i++)
        {
            int t = random.Next(indexRange);
            indexes[i] = t;
            values[i] = (int)Math.Round(scales[t] * Gaussian(random), MidpointRounding.ToEven);
        }

        double ideal = IndexedEntropyCoder.InformationBits(values, indexes, tables);
        // One untimed round trip warms the JIT and the caches.
        byte[] encoded = IndexedEntropyCoder.Encode(values, indexes, tables);
        var decoded = new int[symbolCount];
        IndexedEntropyCoder.Decode(encoded, indexes, tables, decoded);
        var encodeSeconds = new double[runs];
        var decodeSeconds = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            progress?.Invoke($"range 0–{indexRange - 1}: run {r + 1}/{runs}");
            long t0 = Stopwatch.GetTimestamp();
            encoded = IndexedEntropyCoder.Encode(values, indexes, tables);
            long t1 = Stopwatch.GetTimestamp();
            IndexedEntropyCoder.Decode(encoded, indexes, tables, decoded);
            long t2 = Stopwatch.GetTimestamp();
            encodeSeconds[r] = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
            decodeSeconds[r] = Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
        }

        if (!decoded.AsSpan().SequenceEqual(values))
        {
            throw new InvalidOperationException("the benchmark's decoded symbols differ from the encoded ones");
        }

        double actualBits = encoded.Length * 8.0;
        return new CoderBenchmarkResult(
            $"0-{indexRange - 1}",
            symbolCount,
            symbolCount / BenchStatistics.Median(encodeSeconds) / 1e6,
            symbolCount / BenchStatistics.Median(decodeSeconds) / 1e6,
            actualBits / symbolCount,
            ideal / symbolCount,
            (actualBits - ideal) / ideal * 100);
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − NextDouble() keeps the logarithm's argument in (0, 1].
        double u = 1 - random.NextDouble(), v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
