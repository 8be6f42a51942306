using System.Runtime.InteropServices;
using Nic.Format;
using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Trains a <see cref="ChannelContextModel"/> on frozen latents (<see cref="ContextLatents"/>): Adam on the bits of
/// random batches of bands, the transforms untouched, so the rate is the only loss. Resumable from checkpoints;
/// validation gives the tabled bits against the plain mean-scale hyperprior's on held-out photos.
/// </summary>
internal sealed class ContextModelTrainer : IDisposable
{
    private static readonly byte[] CheckpointMagic = "NICCTX01"u8.ToArray();

    private readonly ChannelContextModel _model;
    private readonly Adam _optimizer;
    private readonly int _batchSize;
    private readonly int _seed;

    /// <summary>Creates the trainer.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="learningRate">Adam's learning rate.</param>
    /// <param name="batchSize">Bands per step.</param>
    /// <param name="seed">The seed of the batch order: step k's batch depends only on (seed, k).</param>
    public ContextModelTrainer(ChannelContextModel model, double learningRate, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _optimizer = new Adam(model.parameters(), learningRate);
        _batchSize = batchSize;
        _seed = seed;
    }

    /// <summary>Steps taken, resumed runs included.</summary>
    public long StepCount { get; private set; }

    /// <summary>The learning rate of every parameter group.</summary>
    public double LearningRate
    {
        get => _optimizer.ParamGroups.First().LearningRate;
        set
        {
            foreach (var group in _optimizer.ParamGroups)
            {
                group.LearningRate = value;
            }
        }
    }

    /// <summary>One step on a random batch of the training group; returns its bits per latent element.</summary>
    /// <exception cref="TrainingDivergedException">The loss is not finite.</exception>
    public double Step(ContextLatents.Group train)
    {
        ArgumentNullException.ThrowIfNull(train);
        using var scope = NewDisposeScope();
        _model.train();
        var random = new Random(HashCode.Combine(_seed, StepCount));
        long count = train.Y.shape[0];
        long[] picks = new long[_batchSize];
        for (int i = 0; i < picks.Length; i++)
        {
            picks[i] = random.NextInt64(count);
        }

        Tensor index = tensor(picks);
        Tensor bits = _model.forward(train.Y.index_select(0, index), train.Scales.index_select(0, index), train.Means.index_select(0, index));
        double elements = _batchSize * train.Y.shape[1] * train.Y.shape[2] * train.Y.shape[3];
        Tensor loss = bits.sum().DividedBy(elements);
        double value = loss.item<float>();
        if (!double.IsFinite(value))
        {
            throw new TrainingDivergedException($"step {StepCount}: the rate is {value}");
        }

        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        StepCount++;
        return value;
    }

    /// <summary>
    /// The tabled bits of every group with and without the context, summed: what the coder spends (up to the tables'
    /// quantization) and what the plain mean-scale hyperprior spends on the same latents.
    /// </summary>
    public (double ContextBits, double BaselineBits) Validate(ContextLatents latents, Tensor scaleTable)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(scaleTable);
        _model.eval();
        using var noGrad = no_grad();
        double context = 0, baseline = 0;
        foreach (ContextLatents.Group group in latents.Groups)
        {
            using var scope = NewDisposeScope();
            context += _model.TabledBits(group.Y, group.Scales, group.Means, scaleTable, useContext: true).sum().item<float>();
            baseline += _model.TabledBits(group.Y, group.Scales, group.Means, scaleTable, useContext: false).sum().item<float>();
        }

        return (context, baseline);
    }

    /// <summary>Writes the step count, the model and the optimizer state atomically.</summary>
    public void SaveCheckpoint(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            using var scope = NewDisposeScope();
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(CheckpointMagic);
            writer.Write(StepCount);
            writer.Write(_model.Slices);
            writer.Write(_model.Hidden);
            writer.Write(_model.Kernel);
            writer.Write((int)_model.Distribution);
            writer.Write(_model.Checkerboard);
            _model.save(writer);
            _optimizer.save_state_dict(writer);
        });
    }

    /// <summary>Restores a checkpoint of a model with the same hyper-parameters; training continues at its step.</summary>
    /// <exception cref="InvalidDataException">The file is not such a checkpoint.</exception>
    public void LoadCheckpoint(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (!reader.ReadBytes(CheckpointMagic.Length).AsSpan().SequenceEqual(CheckpointMagic))
        {
            throw new InvalidDataException($"{path} is not a context-model checkpoint");
        }

        long steps = reader.ReadInt64();
        (int slices, int hidden, int kernel, int distribution, bool checkerboard) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBoolean());
        if (steps < 0 || (slices, hidden, kernel, distribution, checkerboard) != (_model.Slices, _model.Hidden, _model.Kernel, (int)_model.Distribution, _model.Checkerboard))
        {
            throw new InvalidDataException($"{path} was written for {slices} slices, hidden {hidden}, kernel {kernel}, {(ConditionalDistribution)distribution}, checkerboard {checkerboard}; this run has {_model.Slices}, {_model.Hidden}, {_model.Kernel}, {_model.Distribution}, {_model.Checkerboard}");
        }

        try
        {
            _model.load(reader);
            _optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or ExternalException)
        {
            throw new InvalidDataException($"{path} does not fit this model ({e.Message})", e);
        }

        StepCount = steps;
    }

    /// <inheritdoc/>
    public void Dispose() => _optimizer.Dispose();
}

/// <summary>What <c>nic-torch train entropy</c> asks of <see cref="ContextModelTraining.Run"/>.</summary>
public sealed record ContextTrainingOptions
{
    /// <summary>The mean-scale family whose frozen transforms code the latents (a variable-rate model file).</summary>
    public required string BaseFamilyPath { get; init; }

    /// <summary>The photo folder with <c>train/</c>, <c>validation/</c> and <c>textured/</c> (scripts/fetch-data.sh).</summary>
    public required string PhotoDirectory { get; init; }

    /// <summary>Where the precomputed latents are cached (three files with this prefix); reused when present.</summary>
    public required string LatentCachePrefix { get; init; }

    /// <summary>S.</summary>
    public int Slices { get; init; } = 4;

    /// <summary>H.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>K.</summary>
    public int Kernel { get; init; } = 3;

    /// <summary>The distribution of the tables.</summary>
    public ConditionalDistribution Distribution { get; init; } = ConditionalDistribution.Gaussian;

    /// <summary>Whether each slice is coded in two checkerboard passes.</summary>
    public bool Checkerboard { get; init; }

    /// <summary>The downscale factors of the training photos (docs/data.md: 2–4 hides their JPEG blocking).</summary>
    public IReadOnlyList<int> DownscaleFactors { get; init; } = PhotoSet.DefaultFactors;

    /// <summary>Training crops (256 × 512 pixels, two bands of 8 latent rows each).</summary>
    public int Crops { get; init; } = 640;

    /// <summary>The step count to train to (a resumed run counts earlier steps).</summary>
    public long Steps { get; init; } = 4000;

    /// <summary>Bands per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's learning rate; divided by 10 for the last fifth of the steps.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The seed of the crops, the weights and the batches.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The checkpoint file, resumed from when present; null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Steps between checkpoints and validations.</summary>
    public int ValidateEvery { get; init; } = 500;
}

/// <summary>One validation of <see cref="ContextModelTraining"/>: each split's bits with the context and without.</summary>
/// <param name="Step">The step.</param>
/// <param name="TrainingBits">The mean training bits per element since the last validation.</param>
/// <param name="Splits">Per split (validation, textured): bits with the context, bits of the plain hyperprior.</param>
public sealed record ContextValidation(long Step, double TrainingBits, IReadOnlyDictionary<string, (double Context, double Baseline)> Splits)
{
    /// <summary>The saving of a split: 1 − context bits / baseline bits.</summary>
    public double Saving(string split) => 1 - (Splits[split].Context / Splits[split].Baseline);
}

/// <summary>
/// <c>nic-torch train entropy</c>: precomputes (or reuses) the frozen latents of a mean-scale family — 256 × 512 training
/// crops at the rate positions 0, ¼, …, P − 1, and the centre crops (at most 768 × 768) of both validation splits at
/// each trained point — then trains a <see cref="ChannelContextModel"/> on them, validating and checkpointing.
/// </summary>
public static class ContextModelTraining
{
    /// <summary>The rows of a band in training and validation: the encoder's default (spec/nic-coding.md §11.2).</summary>
    public const int BandRows = 8;

    /// <summary>Runs the training; returns the trained model and its last validation.</summary>
    public static (ChannelContextModel Model, ContextValidation Validation) Run(ContextTrainingOptions options, Action<string> log, Action<ContextValidation> validated, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(validated);
        var family = Nic.Codec.Models.NicModelFamily.Load(options.BaseFamilyPath);
        float[] scaleTable = family.Points[0].ScaleTable.ToArray();
        var trainPositions = Enumerable.Range(0, (family.MaxPosition * 4) + 1).Select(i => i / 4.0).ToArray();
        var pointPositions = Enumerable.Range(0, family.MaxPosition + 1).Select(i => (double)i).ToArray();
        using ContextLatents train = Cached(options.LatentCachePrefix + ".train", () =>
            ContextLatents.FromCrops(family, PhotoSet.Load(Path.Combine(options.PhotoDirectory, "train"), options.DownscaleFactors), options.Crops, 256, 512, BandRows, trainPositions, options.Seed, log), log);
        using ContextLatents validation = Cached(options.LatentCachePrefix + ".validation", () =>
            ContextLatents.FromPhotos(family, PhotoSet.Load(Path.Combine(options.PhotoDirectory, "validation"), [2]), 768, BandRows, pointPositions, log), log);
        using ContextLatents textured = Cached(options.LatentCachePrefix + ".textured", () =>
            ContextLatents.FromPhotos(family, PhotoSet.Load(Path.Combine(options.PhotoDirectory, "textured"), [1]), 768, BandRows, pointPositions, log), log);

        manual_seed(options.Seed);
        var model = new ChannelContextModel(family.HyperParameters.M, options.Slices, options.Hidden, options.Kernel, options.Distribution, scaleTable[0], options.Checkerboard);
        using var trainer = new ContextModelTrainer(model, options.LearningRate, options.BatchSize, options.Seed);
        if (options.CheckpointPath is { } checkpoint && File.Exists(checkpoint))
        {
            trainer.LoadCheckpoint(checkpoint);
            log($"resumed from {checkpoint} at step {trainer.StepCount}");
        }

        using Tensor table = tensor(scaleTable);
        ContextValidation Validate(double trainingBits)
        {
            var splits = new Dictionary<string, (double, double)>
            {
                ["validation"] = trainer.Validate(validation, table),
                ["textured"] = trainer.Validate(textured, table),
            };
            var result = new ContextValidation(trainer.StepCount, trainingBits, splits);
            validated(result);
            return result;
        }

        ContextValidation last = Validate(double.NaN);
        double sum = 0;
        int count = 0;
        while (trainer.StepCount < options.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            trainer.LearningRate = trainer.StepCount >= options.Steps * 4 / 5 ? options.LearningRate / 10 : options.LearningRate;
            sum += trainer.Step(train.Groups[0]);
            count++;
            if (trainer.StepCount % options.ValidateEvery == 0 || trainer.StepCount == options.Steps)
            {
                last = Validate(sum / count);
                (sum, count) = (0, 0);
                if (options.CheckpointPath is { } path)
                {
                    trainer.SaveCheckpoint(path);
                }
            }
        }

        return (model, last);
    }

    private static ContextLatents Cached(string path, Func<ContextLatents> make, Action<string> log)
    {
        if (File.Exists(path))
        {
            log($"latents from {path}");
            return ContextLatents.Load(path);
        }

        ContextLatents latents = make();
        latents.Save(path);
        log($"latents cached in {path}");
        return latents;
    }
}
