using System.Collections.Concurrent;
using Nic.Codec;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch.Layers;
using Nic.Torch.Models;
using Nic.Torch.Native;
using Nic.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// The encoder effort of Nic.Torch: for one image, searches the latents y and z that minimize the model's own
/// rate + λ·255²·MSE (the loss it was trained with: bits per pixel from the likelihoods of its entropy models, λ from the
/// file's <c>lambda</c>) by stochastic Gumbel annealing (SGA, Yang, Marino and Mandt 2020) with Adam, starting from
/// g_a's and h_a's latents; the higher the effort, the more iterations (<see cref="IterationsFor(int, NicModelFile)"/>).
/// </summary>
/// <remarks>
/// <para>
/// SGA replaces rounding by a sample between ⌊v⌋ and ⌈v⌉ whose Gumbel-softmax probabilities lean towards the nearer
/// one ever more sharply as the temperature τ falls from 0.5 to 0.15 (0.3 on a channel-context model), so that the
/// search ends close to the hard rounding the codec applies (ending at 0.05, as first chosen, found costlier latents at
/// 8, 16 and 50 iterations). y is relaxed around the mean μ of the Gaussian conditional (mean-scale model) as the codec
/// rounds it; z around the bottleneck's medians. The last fifth of the iterations fixes ẑ (z rounded as the codec rounds
/// it) and optimizes y alone under the entropy parameters h_s gives that ẑ, so that the y returned is rounded around
/// the μ that the codec's managed h_s computes from the same ẑ (they differ only in the last bits). Searching y alone
/// under h_a's ẑ throughout saves h_s's backward pass but cost more on the smooth validation crops, where ẑ is a larger share
/// of the rate (docs/rate-distortion.md#encoder-effort).
/// </para>
/// <para>
/// g_s's forward and backward passes are almost all of an iteration's time; they run over tiles of the latent
/// (<see cref="SynthesisTiles"/>), which halved an iteration on whole photos of 2 MP and more. Effort 2 on a
/// channel-context model takes three Adam steps per pass of g_s: the later two reuse the pass's distortion gradient
/// beside the rate's own (<see cref="ContextStepsPerPass"/>), so the search moves three times for the cost of one pass
/// and two passes of the entropy models. The search sets glibc's malloc up for libtorch's large maps
/// (<see cref="Native.GlibcHeap"/>) and trims the heap after each image.
/// </para>
/// <para>
/// The result is the rounded latents (ŷ = μ + round(y − μ), ẑ), or g_a's and h_a's own when their rate + λ·distortion,
/// computed the same way with hard rounding, is lower. The codec then codes them exactly as it codes g_a's latents, so
/// the file decodes with any conformant decoder. Thread-safe; each model is loaded once and searched for one image at a
/// time.
/// </para>
/// </remarks>
public sealed class TorchLatentOptimizer : ILatentOptimizer, IDisposable
{
    /// <summary>The highest temperature of the relaxation (Yang et al.'s τ_max).</summary>
    private const double StartTemperature = 0.5;

    /// <summary>
    /// The temperature the annealing ends at: on two textured crops at two rate points (searching y alone), 0.15 and 0.3
    /// lowered the cost most at 8 and 16 iterations (0.05 and 0.5 less), and 0.15 beat 0.05 at 50
    /// (docs/rate-distortion.md#encoder-effort).
    /// </summary>
    private const double EndTemperature = 0.15;

    /// <summary>
    /// The temperature a search on a channel-context model ends at: on the 256×256 centre crops of both splits at points
    /// 1, 3 and 5 (8 iterations, contexts from the hard-rounded slices), 0.3 lowered the real cost more than 0.15
    /// (textured −2.78 % against −2.56 %, validation −3.62 % against −3.51 %; docs/rate-distortion.md).
    /// </summary>
    private const double ContextEndTemperature = 0.3;

    /// <summary>
    /// Effort 2's iterations on a channel-context model: an iteration costs what it costs on the plain mean-scale model
    /// (g_s's passes are almost all of it), but the search finds less per iteration (6 iterations: −2.20 % of the real
    /// cost on the textured crops against −2.48 %). On the whole textured photos, with g_s in tiles, 10 iterations at
    /// the short searches' step gave −3.93 % BD-rate against effort 1 at 9.9× its encode time (8 iterations before the
    /// tiles: −3.11 % at 13.2×; 10 at step 0.02: −3.67 % at 9.7×; docs/rate-distortion.md).
    /// </summary>
    private const int ContextShortSearchIterations = 10;

    /// <summary>
    /// Adam steps per pass of g_s in effort 2 on a channel-context model; the steps after a pass's first reuse that pass's
    /// distortion gradient (∂D/∂ỹ, stale by the steps taken) beside the rate's own, which costs the entropy models'
    /// passes only (about 7 % of a pass on a whole photo). On the textured 256×256 crops with AVX-512 off, 10 passes
    /// gave −5.08 % BD-rate against effort 1 with one step a pass, −6.06 % with 2 (step × 0.7) and −6.51 % with 3
    /// (step × 0.6); 7 passes of 3 steps −5.09 %, 6 of 4 −5.02 % (docs/rate-distortion.md#encoder-effort).
    /// </summary>
    private const int ContextStepsPerPass = 3;

    /// <summary>Effort 2's Adam step on a channel-context model, as a share of the short searches' step: 3 steps a pass take smaller ones.</summary>
    private const double ContextStepScale = 0.6;

    /// <summary>The share of the iterations that optimize y alone under a fixed ẑ.</summary>
    private const double FixedHyperLatentShare = 0.2;

    /// <summary>The seed of the annealing's noise (any fixed value: it makes encodes repeatable).</summary>
    private const long NoiseSeed = 0x4E6963;

    /// <summary>Keeps atanh finite at the ends of [0, 1].</summary>
    private const double Epsilon = 1e-5;

    private readonly ConcurrentDictionary<NicModelId, Lazy<LoadedModel>> _models = new();
    private readonly Func<int, int>? _iterations;
    private bool _disposed;

    /// <summary>Creates the optimizer; it runs on <paramref name="device"/> (the CPU when null).</summary>
    /// <param name="device">The libtorch device.</param>
    public TorchLatentOptimizer(Device? device = null)
        : this(device, null, DefaultLearningRate)
    {
    }

    /// <summary>An optimizer with its own schedule (tests, tuning); <paramref name="iterations"/> null for <see cref="IterationsFor(int, NicModelFile)"/>.</summary>
    internal TorchLatentOptimizer(Device? device, Func<int, int>? iterations, double learningRate)
    {
        Device = device ?? CPU;
        _iterations = iterations;
        LearningRate = learningRate;
    }

    /// <summary>Adam's step size on the latents for searches of up to <see cref="FullStepIterations"/> iterations.</summary>
    internal const double DefaultLearningRate = 0.02;

    /// <summary>
    /// Longer searches take smaller steps, by √(this / iterations): with the full step, 250 iterations drifted to latents
    /// that cost more than g_a's at the lowest rate point and overshot the rate at the highest (docs/rate-distortion.md).
    /// </summary>
    private const int FullStepIterations = 50;

    /// <summary>
    /// Searches of at most this many iterations take 1.5× the step: at 6 iterations, Adam steps of 0.03 lowered the cost
    /// more than 0.02 on 8 of 10 crops and points (textured mean −2.45 % against −2.01 %, validation −3.38 % against
    /// −3.04 %; 0.04 fell back to g_a's latents at a low point); at 10 on the channel-context family, 0.03 gave −3.93 %
    /// BD-rate on the whole textured photos against 0.02's −3.67 %.
    /// </summary>
    private const int ShortSearchIterations = 10;

    /// <summary>The device it runs on.</summary>
    public Device Device { get; }

    /// <inheritdoc />
    public string Name => "sga/torch:" + Device.type.ToString().ToLowerInvariant();

    internal double LearningRate { get; }

    /// <summary>The last search's schedule and its passes of g_s with and without the gradient (tests).</summary>
    internal (SearchSchedule Schedule, int GradientPasses, int ForwardPasses) LastSearch { get; private set; }

    /// <summary>
    /// The iterations of the search at an encoder effort: 2 → 6, 3 → 16, 4 → 32, 5 → 50, 6 → 80, 7 → 120, 8 → 180,
    /// 9 → 250, each about one forward and backward pass of g_s, h_s and the entropy models over the image, which costs
    /// about 0.8–1 default encode (libtorch's CPU convolutions run g_s's passes at about a third of a 2-core AVX-512
    /// machine's FMA peak): effort 2 is the setting of about 10× the default encode time (<c>nic-torch bench effort</c>).
    /// </summary>
    /// <param name="effort">2 … <see cref="NicEncodeOptions.MaxEffort"/>.</param>
    public static int IterationsFor(int effort) => effort switch
    {
        2 => 6,
        3 => 16,
        4 => 32,
        5 => 50,
        6 => 80,
        7 => 120,
        8 => 180,
        9 => 250,
        _ => throw new ArgumentOutOfRangeException(nameof(effort), effort, $"effort must be 2 … {NicEncodeOptions.MaxEffort}"),
    };

    /// <summary>
    /// The iterations (passes of g_s) of the search on <paramref name="model"/>: <see cref="IterationsFor(int)"/>, except
    /// effort 2 on a channel-context model (<c>mbt2018-mean-cc</c>), which runs 10 passes of 3 Adam steps each
    /// (<see cref="ContextStepsPerPass"/>): its search finds less per step, and these give more than half of the −8 % the
    /// highest efforts pass.
    /// </summary>
    /// <param name="effort">2 … <see cref="NicEncodeOptions.MaxEffort"/>.</param>
    /// <param name="model">The model searched.</param>
    public static int IterationsFor(int effort, NicModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int iterations = IterationsFor(effort);
        return IsContextShortSearch(effort, model) ? ContextShortSearchIterations : iterations;
    }

    /// <summary>Effort 2 on a channel-context model: the search that takes <see cref="ContextStepsPerPass"/> steps per pass of g_s.</summary>
    private static bool IsContextShortSearch(int effort, NicModelFile model) => HasContext(model) && effort == NicEncodeOptions.MinEffort + 1;

    /// <summary>
    /// The search's schedule on <paramref name="model"/> at <paramref name="effort"/>, or with <paramref name="passes"/>
    /// passes of g_s when given (tests, tuning: one step a pass, the step size of that many iterations).
    /// </summary>
    internal SearchSchedule ScheduleFor(int effort, NicModelFile model, int? passes = null)
    {
        if (passes is null && IsContextShortSearch(effort, model))
        {
            return new SearchSchedule(ContextShortSearchIterations, ContextStepsPerPass, StepSize(LearningRate, ContextShortSearchIterations) * ContextStepScale);
        }

        int count = passes ?? IterationsFor(effort, model);
        return new SearchSchedule(count, 1, StepSize(LearningRate, count));
    }

    /// <summary>Whether the model codes y under a channel-context model: the one test of the schedule's context settings.</summary>
    private static bool HasContext(NicModelFile model) => model.HyperParameters.ContextSlices > 0;

    /// <inheritdoc />
    /// <exception cref="NicCodecException">The model is not an image model trained for MSE (<see cref="NicCodecError.UnsupportedModel"/>).</exception>
    public NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ObjectDisposedException.ThrowIf(_disposed, this);
        NicModelFile file = problem.Model;
        if (!file.Architecture.HasImageLatent)
        {
            throw new NicCodecException(NicCodecError.UnsupportedModel, $"model {file.Id} is {file.Architecture}, not an image model");
        }

        if (file.Distortion != ModelDistortion.Mse)
        {
            throw new NicCodecException(NicCodecError.UnsupportedModel, $"model {file.Id} was trained for {file.Distortion}; the latent search minimizes rate + λ·MSE");
        }

        LoadedModel loaded = _models.GetOrAdd(file.Id, _ => new Lazy<LoadedModel>(() => new LoadedModel(ImageModels.FromModelFile(file), ChannelContextModel.FromModelFile(file), Device))).Value;
        GlibcHeap.KeepLargeBlocks();
        lock (loaded)
        {
            try
            {
                return Search(loaded, problem, ScheduleFor(problem.Effort, file, _iterations?.Invoke(problem.Effort)), cancellationToken);
            }
            finally
            {
                GlibcHeap.Trim();
            }
        }
    }

    /// <summary>Frees the loaded models.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (Lazy<LoadedModel> model in _models.Values.Where(m => m.IsValueCreated))
        {
            model.Value.Model.Dispose();
            model.Value.Context?.Dispose();
        }
    }

    private NicLatents Search(LoadedModel loaded, NicLatentProblem problem, SearchSchedule schedule, CancellationToken cancellationToken)
    {
        ImageCompressionModel model = loaded.Model;
        using var outer = NewDisposeScope();
        Tensor image = ToTensor(problem.Image);
        Tensor y0 = ToTensor(problem.Y);
        Tensor? z0 = problem.Z is null ? null : ToTensor(problem.Z);
        using var objective = new Objective(model, problem.Model.Architecture.Geometry!, loaded.Context, image, problem.Width, problem.Height, problem.Model.Lambda);
        if (model is HyperpriorModel != z0 is not null)
        {
            throw new ArgumentException(z0 is null ? "a hyperprior model needs z" : "a model without a hyperprior takes no z", nameof(problem));
        }

        var y = new Parameter(y0.clone(), requires_grad: true);
        Parameter? z = z0 is null ? null : new Parameter(z0.clone(), requires_grad: true);
        int steps = schedule.Steps;
        using var adam = new Training.Adam(z is null ? [y] : [y, z], schedule.StepSize);
        int joint = steps - (int)Math.Round(steps * FixedHyperLatentShare);
        double endTemperature = HasContext(problem.Model) ? ContextEndTemperature : EndTemperature;
        Tensor? zFixed = null;
        Tensor? scalesFixed = null, meansFixed = null;
        // With several steps a pass, the first pass is g_s over the hard-rounded start: its loss is the one the result must
        // beat, and its gradient serves the first steps (one forward pass less than a separate evaluation of the start).
        double? startLoss = schedule.StepsPerPass > 1 ? objective.Hard(y0, z0, keepDistortionGradient: true).Loss : null;
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            objective.FreshDistortion = step % schedule.StepsPerPass == 0 && !(step == 0 && startLoss is not null);
            double temperature = StartTemperature * Math.Pow(endTemperature / StartTemperature, step / (double)Math.Max(1, steps - 1));
            if (z is not null && step == joint)
            {
                using var noGrad = no_grad();
                zFixed = objective.RoundAroundMedians(z).MoveToOuterDisposeScope();
                (Tensor scales, Tensor? means) = model.HyperSynthesize(zFixed);
                scalesFixed = scales.detach().MoveToOuterDisposeScope();
                meansFixed = means?.detach().MoveToOuterDisposeScope();
            }

            using var scope = NewDisposeScope();
            adam.zero_grad();
            Tensor loss = zFixed is null
                ? objective.RelaxedLoss(y, z, temperature)
                : objective.RelaxedLossFixedHyper(y, zFixed, scalesFixed!, meansFixed, temperature);
            loss.backward();
            adam.step();
        }

        using (no_grad())
        {
            (Tensor yHat, Tensor? zHat, double found) = objective.Hard(y, zFixed ?? z);
            double start = startLoss ?? objective.Hard(y0, z0).Loss;
            LastSearch = (schedule, objective.GradientPasses, objective.ForwardPasses);
            return found <= start
                ? new NicLatents(ToFeatureMap(yHat), zHat is null ? null : ToFeatureMap(zHat))
                : new NicLatents(problem.Y, problem.Z);
        }
    }

    /// <summary>
    /// How a search runs: <paramref name="Passes"/> passes of g_s (forward and backward), <paramref name="StepsPerPass"/>
    /// Adam steps each (the later ones on the pass's distortion gradient), at Adam's <paramref name="StepSize"/>.
    /// </summary>
    internal readonly record struct SearchSchedule(int Passes, int StepsPerPass, double StepSize)
    {
        /// <summary>The Adam steps of the whole search.</summary>
        public int Steps => Passes * StepsPerPass;
    }

    /// <summary>Adam's step size for a search of <paramref name="iterations"/>.</summary>
    internal static double StepSize(double learningRate, int iterations) =>
        iterations <= ShortSearchIterations
            ? 1.5 * learningRate
            : learningRate * Math.Min(1, Math.Sqrt(FullStepIterations / (double)Math.Max(1, iterations)));

    private Tensor ToTensor(FeatureMap map) => tensor(map.Data, [1, map.Channels, map.Height, map.Width]).to(Device);

    private static FeatureMap ToFeatureMap(Tensor latent) =>
        new((int)latent.shape[1], (int)latent.shape[2], (int)latent.shape[3], TensorData.ToArray<float>(latent.to_type(ScalarType.Float32)));

    /// <summary>
    /// SGA's sample of v: ⌊v⌋ + w, w the weight of ⌈v⌉ in a two-way Gumbel-softmax at temperature τ whose logits are
    /// −atanh(distance)/τ (Yang et al. 2020, eq. 5); differentiable in v.
    /// </summary>
    private static Tensor AnnealedRound(Tensor v, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        Tensor floor = v.detach().floor();
        Tensor fraction = v.sub(floor);
        Tensor toFloor = fraction.ClampedTo(Epsilon - 1, 1 - Epsilon).atanh().neg().DividedBy(temperature);
        Tensor toCeiling = fraction.neg().Plus(1).ClampedTo(Epsilon - 1, 1 - Epsilon).atanh().neg().DividedBy(temperature);
        Tensor weight = nn.functional.sigmoid(toCeiling.Plus(Gumbel(v, noise)).sub(toFloor.Plus(Gumbel(v, noise))).DividedBy(temperature));
        return floor.Plus(weight).MoveToOuterDisposeScope();
    }

    private static Tensor Gumbel(Tensor like, Generator noise)
    {
        using var scope = NewDisposeScope();
        Tensor uniform = rand(like.shape, dtype: like.dtype, device: like.device, generator: noise).ClampedTo(1e-10, 1 - 1e-7);
        return uniform.log().neg().log().neg().MoveToOuterDisposeScope();
    }

    private static Tensor Bits(Tensor likelihoods) =>
        LowerBoundFunction.Apply(likelihoods, EntropyModels.GaussianConditional.LikelihoodBound).log().sum().DividedBy(-Math.Log(2));

    /// <summary>A model loaded for the search: its parameters frozen, on the optimizer's device.</summary>
    private sealed class LoadedModel
    {
        public LoadedModel(ImageCompressionModel model, ChannelContextModel? context, Device device)
        {
            foreach (nn.Module module in context is null ? [model] : new nn.Module[] { model, context })
            {
                module.to(device);
                foreach (Parameter parameter in module.parameters())
                {
                    parameter.requires_grad = false;
                }

                module.eval();
            }

            Model = model;
            Context = context;
        }

        public ImageCompressionModel Model { get; }

        /// <summary>The context model of an <c>mbt2018-mean-cc</c> file (spec/nic-coding.md §10.3); null for other models.</summary>
        public ChannelContextModel? Context { get; }
    }

    /// <summary>bpp + λ·255²·MSE of one image under one model, relaxed or hard.</summary>
    private sealed class Objective : IDisposable
    {
        private readonly ImageCompressionModel _model;
        private readonly HyperpriorModel? _hyper;
        private readonly ChannelContextModel? _context;
        private readonly SynthesisTiles _distortion;
        private readonly int _width;
        private readonly int _height;
        private readonly double _distortionWeight;
        private readonly Tensor _medians;

        /// <summary>The source of SGA's Gumbel noise, seeded alike for every search: the same image encodes to the same file.</summary>
        private readonly Generator _noise;

        /// <summary>The last pass's ∂D/∂ỹ and squared error, which the steps between passes reuse (owned here, outside any dispose scope).</summary>
        private Tensor? _lastGradient;
        private double _lastError;

        public Objective(ImageCompressionModel model, ModelGeometry geometry, ChannelContextModel? context, Tensor image, int width, int height, double lambda)
        {
            _noise = new Generator(NoiseSeed, image.device);
            _model = model;
            _hyper = model as HyperpriorModel;
            _context = context;
            _width = width;
            _height = height;
            _distortion = new SynthesisTiles(model, geometry, Crop(image));
            _distortionWeight = lambda * 255 * 255;
            _medians = model.EntropyBottleneck.Quantiles.detach().select(2, 1).reshape(1, -1, 1, 1);
        }

        /// <summary>The passes of g_s with the gradient so far.</summary>
        public int GradientPasses => _distortion.GradientPasses;

        /// <summary>The passes of g_s without it so far.</summary>
        public int ForwardPasses => _distortion.ForwardPasses;

        /// <summary>Whether the next relaxed loss runs g_s (else it reuses the last pass's distortion gradient).</summary>
        public bool FreshDistortion { get; set; } = true;

        public void Dispose()
        {
            _noise.Dispose();
            _lastGradient?.Dispose();
        }

        /// <summary>The loss with y and z relaxed by SGA; μ and σ follow the relaxed z.</summary>
        public Tensor RelaxedLoss(Tensor y, Tensor? z, double temperature)
        {
            using var scope = NewDisposeScope();
            if (_hyper is null)
            {
                Tensor yTilde = AnnealedRound(y.sub(_medians), temperature, _noise).Plus(_medians);
                return Combine(BottleneckBits(yTilde), yTilde).MoveToOuterDisposeScope();
            }

            Tensor zTilde = AnnealedRound(z!.sub(_medians), temperature, _noise).Plus(_medians);
            (Tensor scales, Tensor? means) = _hyper.HyperSynthesize(zTilde);
            (Tensor yBits, Tensor yRelaxed) = CodeY(y, scales, means, v => AnnealedRound(v, temperature, _noise), relaxed: true);
            return Combine(yBits.Plus(BottleneckBits(zTilde)), yRelaxed).MoveToOuterDisposeScope();
        }

        /// <summary>The loss with ẑ fixed (its bits a constant) and y relaxed by SGA around the fixed μ.</summary>
        public Tensor RelaxedLossFixedHyper(Tensor y, Tensor zHat, Tensor scales, Tensor? means, double temperature)
        {
            using var scope = NewDisposeScope();
            (Tensor bits, Tensor yRelaxed) = CodeY(y, scales, means, v => AnnealedRound(v, temperature, _noise), relaxed: true);
            return Combine(bits, yRelaxed).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The latents as the codec rounds them, ẑ around the medians and ŷ around μ = h_s(ẑ) (around the medians without a
        /// hyperprior), and their loss: h_s and the coding of y run once for both.
        /// </summary>
        public (Tensor YHat, Tensor? ZHat, double Loss) Hard(Tensor y, Tensor? z, bool keepDistortionGradient = false)
        {
            using var scope = NewDisposeScope();
            if (_hyper is null)
            {
                Tensor rounded = RoundAroundMedians(y);
                return (rounded.MoveToOuterDisposeScope(), null, Combine(BottleneckBits(rounded), rounded, keepDistortionGradient).ToDoubleValue());
            }

            Tensor zHat = RoundAroundMedians(z!);
            (Tensor scales, Tensor? means) = _hyper.HyperSynthesize(zHat);
            (Tensor bits, Tensor yHat) = CodeY(y.detach(), scales, means, v => v.round(), relaxed: false);
            double loss = Combine(bits.Plus(BottleneckBits(zHat)), yHat, keepDistortionGradient).ToDoubleValue();
            return (yHat.MoveToOuterDisposeScope(), zHat.MoveToOuterDisposeScope(), loss);
        }

        /// <summary>Values the entropy bottleneck codes (z, or y without a hyperprior) rounded as the codec rounds them: around its medians.</summary>
        public Tensor RoundAroundMedians(Tensor values)
        {
            using var scope = NewDisposeScope();
            return values.detach().sub(_medians).round().Plus(_medians).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// bits per pixel + λ·255²·MSE. The distortion and its gradient come from <see cref="SynthesisTiles"/>; when
        /// <paramref name="yTilde"/> carries a graph, the loss gets the term (ỹ − detach(ỹ))·∂D/∂ỹ, zero in value, whose
        /// backward pass hands that gradient on through ỹ to y and z. Between passes (<see cref="FreshDistortion"/> false)
        /// the last pass's gradient and error stand in for g_s; <paramref name="keepDistortionGradient"/> computes and keeps
        /// the gradient of a hard-rounded ŷ (the start), whose loss has no graph.
        /// </summary>
        private Tensor Combine(Tensor bits, Tensor yTilde, bool keepDistortionGradient = false)
        {
            using var scope = NewDisposeScope();
            double squaredError;
            Tensor? gradient;
            if (yTilde.requires_grad && !FreshDistortion && _lastGradient is not null)
            {
                (squaredError, gradient) = (_lastError, _lastGradient);
            }
            else
            {
                (squaredError, gradient) = _distortion.Evaluate(yTilde, withGradient: yTilde.requires_grad || keepDistortionGradient);
                if (gradient is not null)
                {
                    _lastGradient?.Dispose();
                    _lastGradient = gradient.detach().DetachFromDisposeScope();
                    _lastError = squaredError;
                }
            }

            double weight = _distortionWeight / _distortion.Samples;
            Tensor loss = bits.DividedBy((double)_width * _height).Plus(squaredError * weight);
            if (gradient is not null && yTilde.requires_grad)
            {
                loss = loss.Plus(yTilde.sub(yTilde.detach()).mul(gradient).sum().Times(weight));
            }

            return loss.MoveToOuterDisposeScope();
        }

        private Tensor Crop(Tensor image) => image.narrow(2, 0, _height).narrow(3, 0, _width);

        /// <summary>
        /// y's bits under σ and μ = h_s(ẑ), and ŷ: each element μ + round(y − μ) (round(y) without μ). A channel-context
        /// model codes the slices in its order, under the σ and μ its networks give from the slices coded before
        /// (spec/nic-coding.md §10.3), so the search sees the rate the file will have and ŷ lies on the lattice the
        /// coder rounds y to: a ŷ rounded around h_s's μ instead would be rounded again, around other centres, and
        /// lose what the search found. In the <paramref name="relaxed"/> losses the context networks see the slices
        /// hard-rounded (ChannelContextModel.Code with roundedContext): with the relaxed samples as their
        /// input, 6 iterations lowered the real cost of the textured crops by 1.88 %, with the rounded ones by 2.20 %
        /// (10 iterations: 2.72 % against 3.25 %), and each iteration skips the networks' backward pass.
        /// </summary>
        private (Tensor Bits, Tensor YHat) CodeY(Tensor y, Tensor scales, Tensor? means, Func<Tensor, Tensor> round, bool relaxed)
        {
            using var scope = NewDisposeScope();
            if (_context is not null)
            {
                (Tensor contextBits, Tensor coded) = _context.Code(y, scales, means ?? throw new InvalidOperationException("a context model needs h_s's means"), round, roundedContext: relaxed);
                return (contextBits.sum().MoveToOuterDisposeScope(), coded.MoveToOuterDisposeScope());
            }

            Tensor yHat = means is null ? round(y) : round(y.sub(means)).Plus(means);
            return (Bits(_hyper!.GaussianConditional.Likelihood(yHat, scales, means)).MoveToOuterDisposeScope(), yHat.MoveToOuterDisposeScope());
        }

        /// <summary>The bottleneck's bits of (1, C, h, w) values, through its (C, 1, n) layout.</summary>
        private Tensor BottleneckBits(Tensor values)
        {
            using var scope = NewDisposeScope();
            Tensor channelFirst = values.permute(1, 0, 2, 3).reshape(values.shape[1], 1, -1);
            return Bits(_model.EntropyBottleneck.Likelihood(channelFirst, stopGradient: true)).MoveToOuterDisposeScope();
        }
    }
}
