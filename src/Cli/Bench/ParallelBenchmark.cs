using System.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Bench;

/// <summary>
/// Throughput of one shared <see cref="NicCodec"/> under concurrent load: for each task count, that many tasks start
/// together and each runs round trips (an encode, then a decode of its file); images per second is round trips over
/// wall-clock seconds, the median of several runs. Every round trip's file and pixels are compared with a sequential
/// reference, so the figures also show that concurrency changes no byte.
/// </summary>
internal static class ParallelBenchmark
{
    public static ParallelBenchmarkResult Run(NicCodec codec, RgbImage image, NicEncodeOptions options, IReadOnlyList<int> taskCounts, int rounds, int runs, Action<string>? progress = null)
    {
        progress?.Invoke("warm-up round trip (loads the model)");
        byte[] reference = codec.Encode(image, options);
        RgbImage referenceImage = codec.DecodeAsync(reference).GetAwaiter().GetResult();
        int differing = 0;
        var points = new List<ParallelBenchmarkPoint>();
        foreach (int tasks in taskCounts)
        {
            var seconds = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                progress?.Invoke($"{tasks} task(s), run {run + 1}/{runs}");
                using var start = new ManualResetEventSlim();
                Task<int>[] workers = [.. Enumerable.Range(0, tasks).Select(_ => Task.Factory.StartNew(
                    () =>
                    {
                        start.Wait();
                        int wrong = 0;
                        for (int round = 0; round < rounds; round++)
                        {
                            byte[] file = codec.Encode(image, options);
                            RgbImage decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
                            wrong += file.AsSpan().SequenceEqual(reference) && decoded.PixelsEqual(referenceImage) ? 0 : 1;
                        }

                        return wrong;
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default))];
                var watch = Stopwatch.StartNew();
                start.Set();
                differing += Task.WhenAll(workers).GetAwaiter().GetResult().Sum();
                seconds.Add(watch.Elapsed.TotalSeconds);
            }

            double median = BenchStatistics.Median(seconds);
            points.Add(new ParallelBenchmarkPoint(tasks, tasks * rounds, tasks * rounds / median, median, seconds));
        }

        return new ParallelBenchmarkResult(points, reference.Length, differing);
    }
}
