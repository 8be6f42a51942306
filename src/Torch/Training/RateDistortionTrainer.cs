using System.Diagnostics;
using System.Runtime.InteropServices;
using Nic.Format;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Trains a model whose forward pass returns (reconstruction, bits per example) — noisy in training mode, quantized in
/// evaluation mode — on loss = rate + λ · distortion with Adam, and, for models with an auxiliary loss
/// (<see cref="IAuxiliaryLossModel"/>), a second Adam on that loss alone.
/// </summary>
/// <remarks>
/// Deterministic for a given seed and batch source: before step k torch's generator is seeded from (seed, k) and the
/// batch is <see cref="IBatchSource.Batch"/>(k), so a run resumed from a checkpoint (parameters, both optimizers'
/// state and the step count) continues exactly as the uninterrupted run would on the same machine (torch's generator is per process: nothing else
/// may draw from it while a step runs). A step whose loss or
/// gradient is not finite is skipped without touching the weights or the optimizers' state (rare: it takes an extreme
/// noise draw); <see cref="RateDistortionTrainerOptions.MaxConsecutiveSkippedSteps"/> in a row end the run.
/// </remarks>
public sealed class RateDistortionTrainer : IDisposable
{
    private static readonly byte[] CheckpointMagic = "NICCKPT2"u8.ToArray();

    private readonly nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)> _model;
    private readonly IAuxiliaryLossModel? _auxiliary;
    private readonly IBatchSource _batches;
    private readonly Parameter[] _mainParameters;
    private readonly Adam _optimizer;
    private readonly Adam? _auxiliaryOptimizer;
    private readonly Stopwatch _clock = new();
    private long _stepsTimed;
    private int _consecutiveSkips;

    /// <summary>Creates a trainer; the model's parameters are optimized in place.</summary>
    /// <param name="model">The model: forward(x) → (x̂, bits per example).</param>
    /// <param name="batches">The training batches.</param>
    /// <param name="options">λ, distortion, learning rates, schedule and seed.</param>
    public RateDistortionTrainer(nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)> model, IBatchSource batches, RateDistortionTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Lambda >= 0) || !(options.LearningRate > 0) || !(options.AuxiliaryLearningRate > 0) || !(options.LearningRateDecay > 0))
        {
            throw new ArgumentException(
                $"λ must be non-negative and the learning rates and decay positive; got λ {options.Lambda}, learning rate {options.LearningRate}, auxiliary {options.AuxiliaryLearningRate}, decay {options.LearningRateDecay}",
                nameof(options));
        }

        if (options.ClipGradientNorm is { } clip && !(clip > 0))
        {
            throw new ArgumentException($"the gradient clipping norm must be positive, not {clip}", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConsecutiveSkippedSteps, 0, nameof(options));
        _model = model;
        _auxiliary = model as IAuxiliaryLossModel;
        _batches = batches;
        Options = options;
        Parameter[] auxiliaryParameters = _auxiliary?.AuxiliaryParameters().ToArray() ?? [];
        var auxiliaryHandles = auxiliaryParameters.Select(p => p.Handle).ToHashSet();
        _mainParameters = model.parameters().Where(p => !auxiliaryHandles.Contains(p.Handle)).ToArray();
        _optimizer = new Adam(_mainParameters, options.LearningRate);
        if (auxiliaryParameters.Length > 0)
        {
            _auxiliaryOptimizer = new Adam(auxiliaryParameters, options.AuxiliaryLearningRate);
        }
    }

    /// <summary>The settings.</summary>
    public RateDistortionTrainerOptions Options { get; }

    /// <summary>The optimizer steps done (including those before a resume, and skipped ones).</summary>
    public long StepCount { get; private set; }

    /// <summary>The steps skipped for a non-finite loss or gradient (including those before a resume).</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>One optimizer step on the next batch.</summary>
    /// <returns>The batch's figures.</returns>
    /// <exception cref="TrainingDivergedException">Too many steps in a row were not finite.</exception>
    public TrainingProgress Step()
    {
        _clock.Start();
        double learningRate = Options.LearningRateAt(StepCount);
        foreach (ParamGroup group in _optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }

        double rate, distortion, loss, gradientNorm, auxiliaryLoss = 0;
        using (var scope = NewDisposeScope())
        {
            random.manual_seed(unchecked((Options.Seed * 1_000_003L) + StepCount));
            _model.train();
            Tensor batch = _batches.Batch(StepCount);
            _optimizer.zero_grad();
            _auxiliaryOptimizer?.zero_grad();
            (Tensor reconstruction, Tensor bits) = _model.forward(batch);
            Tensor rateTerm = bits.mean().DividedBy(RateDivisor(batch, Options));

            Tensor distortionTerm = Options.Distortion.Compute(batch, reconstruction);
            Tensor lossTerm = rateTerm.Plus(distortionTerm.Times(Options.Lambda));
            lossTerm.backward();
            rate = rateTerm.item<float>();
            distortion = distortionTerm.item<float>();
            loss = lossTerm.item<float>();
            gradientNorm = nn.utils.clip_grad_norm_(_mainParameters, Options.ClipGradientNorm ?? double.PositiveInfinity);
            if (_auxiliary is not null)
            {
                Tensor auxiliaryTerm = _auxiliary.AuxiliaryLoss();
                auxiliaryTerm.backward();
                auxiliaryLoss = auxiliaryTerm.item<float>();
            }
        }

        // Outside the dispose scope: the optimizers create their state tensors on their first step, and they must outlive it.
        if (double.IsFinite(loss) && double.IsFinite(gradientNorm))
        {
            _optimizer.step();
            _consecutiveSkips = 0;
        }
        else
        {
            SkippedSteps++;
            if (++_consecutiveSkips > Options.MaxConsecutiveSkippedSteps)
            {
                _clock.Stop();
                throw new TrainingDivergedException(
                    $"training diverged: {_consecutiveSkips} steps in a row up to step {StepCount + 1} had a non-finite loss or gradient (loss {loss}, gradient norm {gradientNorm})");
            }
        }

        if (double.IsFinite(auxiliaryLoss))
        {
            _auxiliaryOptimizer?.step();
        }

        _clock.Stop();
        _stepsTimed++;
        StepCount++;
        double stepsPerSecond = _stepsTimed / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        return new TrainingProgress(StepCount, rate, distortion, loss, stepsPerSecond, auxiliaryLoss, learningRate, SkippedSteps);
    }

    /// <summary>Runs <paramref name="steps"/> steps, reporting every <paramref name="reportEvery"/>-th (and the last).</summary>
    /// <param name="steps">How many steps to run.</param>
    /// <param name="progress">Receives the reports; may be null.</param>
    /// <param name="reportEvery">The reporting interval in steps.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <returns>The last step's figures (default when <paramref name="steps"/> is 0).</returns>
    public TrainingProgress Train(long steps, IProgress<TrainingProgress>? progress = null, int reportEvery = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(reportEvery, 1);
        TrainingProgress last = default;
        for (long i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            last = Step();
            if (progress is not null && (last.Step % reportEvery == 0 || i == steps - 1))
            {
                progress.Report(last);
            }
        }

        return last;
    }

    /// <summary>
    /// Mean rate and distortion of the model in evaluation mode on <paramref name="examples"/>, in batches of
    /// <paramref name="batchSize"/>; the model is left in evaluation mode.
    /// </summary>
    public ValidationResult Validate(Tensor examples, int batchSize = 500) => Validate(_model, examples, Options, batchSize);

    /// <summary>As <see cref="Validate(Tensor, int)"/> for any model and settings.</summary>
    public static ValidationResult Validate(nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)> model, Tensor examples, RateDistortionTrainerOptions options, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int count = checked((int)examples.shape[0]);
        ArgumentOutOfRangeException.ThrowIfZero(count, nameof(examples));
        model.eval();
        double rateSum = 0, distortionSum = 0;
        double perExample = RateDivisor(examples, options);
        using var noGrad = no_grad();
        for (int start = 0; start < count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int length = Math.Min(batchSize, count - start);
            Tensor batch = examples.narrow(0, start, length);
            (Tensor reconstruction, Tensor bits) = model.forward(batch);
            rateSum += bits.to_type(ScalarType.Float64).sum().item<double>() / perExample;
            distortionSum += options.Distortion.Compute(batch, reconstruction).item<float>() * length;
        }

        double rate = rateSum / count, distortion = distortionSum / count;
        return new ValidationResult(count, rate, distortion, rate + (options.Lambda * distortion));
    }

    /// <summary>What an example's bits are divided by for the rate: its height × width for bits per pixel, else 1.</summary>
    private static double RateDivisor(Tensor examples, RateDistortionTrainerOptions options) =>
        options.RateUnit == RateUnit.BitsPerPixel ? examples.shape[^1] * examples.shape[^2] : 1;

    /// <summary>
    /// Writes a checkpoint — the step counts, the model's state dict and both optimizers' state — to a temporary file
    /// beside <paramref name="path"/> and renames it into place, so an interrupted save never leaves a broken checkpoint.
    /// </summary>
    /// <param name="path">The file to (over)write.</param>
    public void SaveCheckpoint(string path)
    {
        AtomicFile.Write(path, stream =>
        {
            // Saving makes temporaries (CPU copies, byte views) that must live until libtorch has read them.
            using var scope = NewDisposeScope();
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(CheckpointMagic);
            writer.Write(StepCount);
            writer.Write(SkippedSteps);
            writer.Write(_auxiliaryOptimizer is not null);
            _model.save(writer);
            _optimizer.save_state_dict(writer);
            _auxiliaryOptimizer?.save_state_dict(writer);
        });
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> for the same model architecture; training then continues at its step count.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, or not one of this kind of model.</exception>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        byte[] magic = reader.ReadBytes(CheckpointMagic.Length);
        if (!magic.AsSpan().SequenceEqual(CheckpointMagic))
        {
            throw new InvalidDataException($"{path} is not a Nic training checkpoint");
        }

        long steps = reader.ReadInt64();
        long skipped = reader.ReadInt64();
        bool hasAuxiliary = reader.ReadBoolean();
        if (steps < 0 || skipped < 0 || skipped > steps)
        {
            throw new InvalidDataException($"{path} has impossible step counts ({steps}, {skipped} skipped)");
        }

        if (hasAuxiliary != (_auxiliaryOptimizer is not null))
        {
            throw new InvalidDataException($"{path} was written for a model {(hasAuxiliary ? "with" : "without")} an auxiliary loss");
        }

        try
        {
            _model.load(reader);
            _optimizer.load_state_dict(reader);
            _auxiliaryOptimizer?.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or ExternalException)
        {
            throw new InvalidDataException(
                $"{path} does not fit this run's model: it was written for another architecture or other N/M ({e.Message}); use another --checkpoint or the run's original settings",
                e);
        }

        StepCount = steps;
        SkippedSteps = skipped;
        _consecutiveSkips = 0;
        _clock.Reset();
        _stepsTimed = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer.Dispose();
        _auxiliaryOptimizer?.Dispose();
    }
}
