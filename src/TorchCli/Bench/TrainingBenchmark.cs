using System.Diagnostics;
using Nic.Cli.Bench;
using Nic.Codec.Models;
using Nic.Torch.Models;
using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Cli.Bench;

/// <summary>
/// Times optimizer steps of an image model on the trainer's real path (forward, backward, clipping, both optimizers)
/// with batches of uniform noise: the content of a crop does not change the work of a step.
/// </summary>
internal static class TrainingBenchmark
{
    public static TrainingBenchmarkResult Run(ModelArchitectureKind architecture, int n, int m, int batchSize, int cropSize, int warmup, int steps, int threads, Action<string>? progress = null)
    {
        set_num_threads(threads);
        random.manual_seed(1);
        using ImageCompressionModel model = ImageModels.Create(architecture, n, m);
        var options = new RateDistortionTrainerOptions
        {
            Lambda = 0.0130,
            Distortion = DistortionMeasure.ScaledMeanSquaredError,
            RateUnit = RateUnit.BitsPerPixel,
            LearningRate = 1e-4,
            ClipGradientNorm = 1.0,
        };
        using var trainer = new RateDistortionTrainer(model, new NoiseBatches(batchSize, cropSize), options);
        var seconds = new List<double>();
        for (int i = 0; i < warmup + steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            trainer.Step();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i >= warmup)
            {
                seconds.Add(elapsed);
            }

            progress?.Invoke($"step {i + 1}/{warmup + steps}: {elapsed:F2} s");
        }

        double median = BenchStatistics.Median(seconds);
        return new TrainingBenchmarkResult(architecture.ToString(), n, m, batchSize, cropSize, threads, steps, median, 1 / median);
    }

    private sealed class NoiseBatches(int batchSize, int cropSize) : IBatchSource
    {
        public int BatchSize => batchSize;

        public Tensor Batch(long index) => rand(batchSize, 3, cropSize, cropSize);
    }
}

/// <summary>One training-speed measurement.</summary>
internal sealed record TrainingBenchmarkResult(string Architecture, int N, int M, int BatchSize, int CropSize, int Threads, int Steps, double MedianStepSeconds, double StepsPerSecond);
