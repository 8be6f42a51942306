using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Reproduces the TensorFlow Compression MNIST tutorial: <see cref="TfcMnistModel"/> (L = 50) trained on the fetched
/// digits less the held-out 1,000, loss rate + λ · MAE, Adam, then evaluated on the held-out digits both from the
/// likelihoods and by actually compressing and decompressing them through the string API.
/// </summary>
public static class MnistTutorial
{
    /// <summary>The tutorial's λ.</summary>
    public const double TutorialLambda = 2000;

    /// <summary>The tutorial's batch size.</summary>
    public const int TutorialBatchSize = 128;

    /// <summary>Trains and evaluates the tutorial model.</summary>
    /// <param name="dataDirectory">The folder <c>scripts/fetch-data.sh</c> filled (holding <c>digits/</c>).</param>
    /// <param name="steps">Optimizer steps (the tutorial's 15 epochs of 60,000 digits at batch 128 are about 7,000).</param>
    /// <param name="progress">Receives a report every 100 steps; may be null.</param>
    /// <param name="lambda">λ.</param>
    /// <param name="batchSize">Digits per batch.</param>
    /// <param name="seed">Seeds the initial weights, the shuffling and the training noise.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The figures and the exported model.</returns>
    public static MnistTutorialResult Run(string dataDirectory, long steps, IProgress<TrainingProgress>? progress = null, double lambda = TutorialLambda, int batchSize = TutorialBatchSize, int seed = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        TorchRuntime.EnsureLoaded();
        (Tensor training, Tensor validation) = DigitData.LoadFetched(dataDirectory);
        using (training)
        using (validation)
        {
            random.manual_seed(seed);
            using var model = new TfcMnistModel();
            var options = new RateDistortionTrainerOptions { Lambda = lambda, Seed = seed };
            using var trainer = new RateDistortionTrainer(model, new ShuffledBatches(training, batchSize, seed), options);
            var clock = Stopwatch.StartNew();
            TrainingProgress last = trainer.Train(steps, progress, cancellationToken: cancellationToken);
            clock.Stop();

            ValidationResult result = trainer.Validate(validation);
            byte[][] strings = model.Compress(validation);
            double compressedBits = strings.Sum(s => 8.0 * s.Length) / strings.Length;
            double decompressedMae;
            using (var scope = NewDisposeScope())
            {
                decompressedMae = model.Decompress(strings).sub(validation).abs().mean().item<float>();
            }

            string summary = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["trainer"] = "Nic.Torch MnistTutorial",
                ["steps"] = trainer.StepCount,
                ["batch_size"] = batchSize,
                ["learning_rate"] = options.LearningRate,
                ["lambda"] = lambda,
                ["seed"] = seed,
                ["training_digits"] = training.shape[0],
                ["validation_digits"] = validation.shape[0],
                ["validation_rate_bits"] = result.Rate,
                ["validation_mae"] = result.Distortion,
                ["compressed_bits_per_digit"] = compressedBits,
            });
            string name = string.Create(CultureInfo.InvariantCulture, $"tfc-mnist-l{(int)lambda}");
            byte[] file = model.Export(name, lambda, summary);
            double stepsPerSecond = steps / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            return new MnistTutorialResult(trainer.StepCount, stepsPerSecond, clock.Elapsed, last, result, compressedBits, decompressedMae, file);
        }
    }
}
