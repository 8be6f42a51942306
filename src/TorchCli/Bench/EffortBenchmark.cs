using System.Diagnostics;
using Nic.Cli.Bench;
using Nic.Codec;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Torch.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Cli.Bench;

/// <summary>One encode setting of <see cref="EffortBenchmark"/>: its median time against effort 1's, and what it coded.</summary>
internal sealed record EffortBenchmarkRow(int Effort, int Iterations, double MedianSeconds, double TimeRatio, double BitsPerPixel, double Psnr, double Cost, double CostChange)
{
    /// <summary>(This effort's time − effort 1's) / iterations: 0 for effort 1.</summary>
    public double SecondsPerIteration(double defaultSeconds) => Iterations == 0 ? 0 : (MedianSeconds - defaultSeconds) / Iterations;
}

/// <summary>The figures of <c>nic-torch bench effort</c>.</summary>
internal sealed record EffortBenchmarkResult(
    string Model,
    int Width,
    int Height,
    int Runs,
    int Threads,
    double Lambda,
    IReadOnlyList<EffortBenchmarkRow> Rows);

/// <summary>
/// The encoder effort's cost on one image, side by side in one process: the median time of the default encode (effort 1)
/// and of each effort's (libtorch's latent search, <see cref="TorchLatentOptimizer"/>), their ratio, and the rate,
/// PSNR and rate + λ·255²·MSE of what each coded (after real coding and decoding), and the seconds one search iteration
/// adds ((effort's time − effort 1's) / iterations, which includes the search's fixed cost).
/// </summary>
internal static class EffortBenchmark
{
    public static EffortBenchmarkResult Run(RgbImage image, string model, IReadOnlyList<int> efforts, int runs, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        using var optimizer = new TorchLatentOptimizer();
        var plain = new NicCodec();
        var searching = new NicCodec(null, new NicCodecOptions { LatentOptimizer = optimizer });
        var options = new NicEncodeOptions { Model = model };
        NicModelFile file = plain.ResolveModel(options).File;
        var rows = new List<EffortBenchmarkRow>();
        double defaultSeconds = 0, defaultCost = 0;
        foreach (int effort in new[] { NicEncodeOptions.MinEffort }.Concat(efforts))
        {
            progress?.Invoke($"effort {effort}");
            NicCodec codec = effort == NicEncodeOptions.MinEffort ? plain : searching;
            NicEncodeOptions at = options with { Effort = effort };
            byte[] encoded = codec.Encode(image, at);
            var seconds = new List<double>(runs);
            for (int run = 0; run < runs; run++)
            {
                long start = Stopwatch.GetTimestamp();
                encoded = codec.Encode(image, at);
                seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }

            RgbImage decoded = plain.DecodeAsync(encoded).GetAwaiter().GetResult();
            double mse = ImageQuality.MeanSquaredError(image, decoded) / (255.0 * 255.0);
            double bpp = encoded.Length * 8.0 / ((double)image.Width * image.Height);
            double cost = bpp + (file.Lambda * 255 * 255 * mse);
            double median = BenchStatistics.Median(seconds);
            if (effort == NicEncodeOptions.MinEffort)
            {
                (defaultSeconds, defaultCost) = (median, cost);
            }

            rows.Add(new EffortBenchmarkRow(
                effort,
                effort == NicEncodeOptions.MinEffort ? 0 : TorchLatentOptimizer.IterationsFor(effort),
                median,
                median / defaultSeconds,
                bpp,
                ImageQuality.Psnr(image, decoded),
                cost,
                (cost / defaultCost) - 1));
        }

        return new EffortBenchmarkResult(file.Name, image.Width, image.Height, runs, get_num_threads(), file.Lambda, rows);
    }
}
