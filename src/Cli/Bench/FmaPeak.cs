using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nic.Cli.Bench;

/// <summary>
/// The machine's multiply-add peak as the engine can reach it: each thread runs twelve independent chains of fused
/// multiply-adds on the widest vectors the managed engine uses here (512-bit where AVX-512 is on, else 256-bit),
/// entirely in registers, for a fixed number of iterations. Twelve chains cover the latency of the FMA units of current
/// x86 cores (4 cycles × 2 units, with room). With hardware intrinsics off the vectors run in software and the figure
/// is that software's peak.
/// </summary>
internal static class FmaPeak
{
    private const int Chains = 12;

    /// <summary>The vector width the peak (and the engine's 512-bit kernel) uses, in bits.</summary>
    public static int VectorBits => Vector512.IsHardwareAccelerated ? 512 : 256;

    /// <summary>Multiply-adds per second on <paramref name="threads"/> threads: the median of <paramref name="runs"/> runs of about <paramref name="seconds"/> each.</summary>
    public static double Measure(int threads, int runs, double seconds = 0.2)
    {
        // Calibrate the iteration count once on one thread, so every run does the same work.
        long iterations = 1 << 16;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            Run(iterations);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (elapsed > seconds / 4 || iterations > 1L << 40)
            {
                iterations = Math.Max(1, (long)(iterations * seconds / Math.Max(elapsed, 1e-9)));
                break;
            }

            iterations *= 4;
        }

        var rates = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Run(iterations));
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rates.Add(threads * iterations * Chains * (VectorBits / 32) / elapsed);
        }

        return BenchStatistics.Median(rates);
    }

    private static float Run(long iterations) => Vector512.IsHardwareAccelerated ? Run512(iterations) : Run256(iterations);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run256(long iterations)
    {
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }

        // The sum keeps every chain alive.
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run512(long iterations)
    {
        Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
