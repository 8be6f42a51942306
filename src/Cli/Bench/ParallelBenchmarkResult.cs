namespace Nic.Cli.Bench;

/// <summary>The figures of <see cref="ParallelBenchmark.Run"/>: one point per task count, the file's size, and how many round trips differed from the sequential reference (0 when concurrency changes nothing).</summary>
internal sealed record ParallelBenchmarkResult(IReadOnlyList<ParallelBenchmarkPoint> Points, int FileBytes, int DifferingRoundTrips);

/// <summary>One task count of <c>nic bench parallel</c>: round trips per run, images per second and the median seconds of the runs, and every run's seconds.</summary>
internal sealed record ParallelBenchmarkPoint(int Tasks, int RoundTrips, double ImagesPerSecond, double MedianSeconds, IReadOnlyList<double> RunSeconds);
