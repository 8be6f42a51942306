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
/// <param name="Iterations">The search's passes of g_s (<see cref="TorchLatentOptimizer.IterationsFor(int, NicModelFile)"/>): one Adam step each, but fourteen in effort 2 on a channel-context model.</param>
/// <param name="SecondsPerIteration">(This effort's time − effort 1's) / iterations: 0 for effort 1.</param>
internal sealed record EffortBenchmarkRow(int Effort, int Iterations, double MedianSeconds, double TimeRatio, double SecondsPerIteration, double BitsPerPixel, double Psnr, double Cost, double CostChange);

/// <summary>The figures of <c>nic-torch bench effort</c>.</summary>
internal sealed record EffortBenchmarkResult(
    string Model,
    int Width,
    int Height,
    int Runs,
    int Threads,
    double Lambda,
    ScalarType SynthesisPrecision,
    IReadOnlyList<EffortBenchmarkRow> Rows);

/// <summary>
/// The encoder effort's cost on one image, side by side in one process: the median time of the default encode (effort 1)
/// and of each effort's (libtorch's latent search, <see cref="TorchLatentOptimizer"/>), their ratio, and the rate,
/// PSNR and rate + λ·255²·MSE of what each coded (after real coding and decoding), and the seconds one search iteration
/// adds ((effort's time − effort 1's) / iterations, which includes the search's fixed cost), and the number type of the
/// search's g_s (<see cref="TorchLatentOptimizer.SynthesisPrecision"/>).
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
            double bpp = encoded.Length * 8.0 / ((double)image.Width * image.Height);

            // The training loss: λ·255²·MSE of [0, 1] samples, i.e. λ times the MSE of 8-bit samples.
            double cost = bpp + (file.Lambda * ImageQuality.MeanSquaredError(image, decoded));
            double median = BenchStatistics.Median(seconds);
            if (effort == NicEncodeOptions.MinEffort)
            {
                (defaultSeconds, defaultCost) = (median, cost);
            }

            int iterations = effort == NicEncodeOptions.MinEffort ? 0 : TorchLatentOptimizer.IterationsFor(effort, file);
            rows.Add(new EffortBenchmarkRow(
                effort,
                iterations,
                median,
                median / defaultSeconds,
                iterations == 0 ? 0 : (median - defaultSeconds) / iterations,
                bpp,
                ImageQuality.Psnr(image, decoded),
                cost,
                (cost / defaultCost) - 1));
        }

        return new EffortBenchmarkResult(file.Name, image.Width, image.Height, runs, get_num_threads(), file.Lambda, optimizer.SynthesisPrecision, rows);
    }
}
