using System.Collections.Concurrent;
using System.Runtime.Intrinsics;
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
/// 8, 16 and 50 iterations); <see cref="AnnealedRoundingFunction"/> draws the sample. y is relaxed around the mean μ of
/// the Gaussian conditional (mean-scale model) as the codec rounds it; z around the bottleneck's medians. The last fifth
/// of the iterations fixes ẑ (z rounded as the codec rounds it) and optimizes y alone under the entropy parameters h_s
/// gives that ẑ, so that the y returned is rounded around the μ that the codec's managed h_s computes from the same ẑ
/// (they differ only in the last bits). Searching y alone under h_a's ẑ throughout saves h_s's passes at every step but
/// cost more on the smooth validation crops of the mean-scale family, where ẑ is a larger share of the rate; effort 2 on
/// a channel-context model does so (<see cref="SearchSchedule.HyperFixed"/>): on three whole textured photos its five
/// passes of six steps found 4.30 % against 4.58 % with ẑ searched too, in 9.6 instead of 14.5 times effort 1's time
/// (session 25, before the first pass's probed curvature; docs/rate-distortion.md#encoder-effort).
/// </para>
/// <para>
/// g_s's forward and backward passes are almost all of an iteration's time; they run over tiles of the latent
/// (<see cref="SynthesisTiles"/>), which halved an iteration on whole photos of 2 MP and more, and in bfloat16 where
/// libtorch runs it in hardware (<see cref="SynthesisPrecision"/>). Effort 2 on a channel-context model takes fourteen
/// Adam steps per pass of g_s under h_a's ẑ: the later thirteen reuse the pass's distortion gradient, corrected for the
/// steps taken by the curvature of the distortion (each channel's probed at the start,
/// <see cref="SynthesisTiles.ProbedCurvature"/>, then each element's measured between the last two passes over a window
/// around it, <see cref="SecantCurvature"/>), and the pass's context centres and scales, beside the rate's own gradient
/// (<see cref="ContextStepsPerPass"/>), so the search moves fourteen times for the cost of one pass. On a CPU with
/// 256-bit vectors those steps take their gradient from one vectorized pass over y (<see cref="RelaxedRateStep"/>)
/// instead of autograd's sixty libtorch operations and libtorch's generator: a step 5.4–6.7 ms on a 1.2-MP photo instead
/// of 15–18 (AVX-512 off); elsewhere the relaxed loss takes the same draws. The search sets glibc's malloc up for libtorch's large maps (<see cref="Native.GlibcHeap"/>) and trims the heap after each
/// image.
/// </para>
/// <para>
/// The result is the rounded latents (ŷ = μ + round(y − μ), ẑ), or g_a's and h_a's own when their rate + λ·distortion,
/// computed the same way with hard rounding (g_s in the same number type), is lower. The codec then codes them exactly as it codes g_a's latents, so
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
    /// Effort 2's passes of g_s on a channel-context model (<see cref="ContextStepsPerPass"/> Adam steps each, y alone
    /// under h_a's ẑ). On three whole textured photos at points 1, 4 and 6 (`nic-torch bench effort`, AVX-512), the mean
    /// change of the real rate + λ·distortion against effort 1: 10 passes of 3 steps with ẑ searched too, as before,
    /// −5.20 % at 23.1× effort 1's time; 10 of 3 as here −5.46 % at 16.9×; 6 of 5 −4.70 % at 10.8×; 5 of 6 −4.30 % at
    /// 9.6× (−3.20 % without the curvature correction); 4 of 7 −3.76 % at 10.6× with AVX-512 off, where 5 of 6 took
    /// 12.2× (session 25; docs/rate-distortion.md#encoder-effort). With the first pass's curvature probed (session 26),
    /// on the whole textured split (AVX-512): 5 of 6 −5.86 % BD-rate against effort 1 at 17.2× its encode time, 2 of 12
    /// −3.06 % at 9.3×; on citrus-fruits, aloeL and european-honey-bee at points 1, 4 and 6, 3 of 8 lowered the cost
    /// by 3.72 % for 70 % of 5 of 6's time (−4.64 %). With each element's curvature from the secant over a window of
    /// <see cref="SecantWindow"/> latents (session 27), on the same three photos and points: 5 of 6 −4.79 %, 3 of 8
    /// −3.87 %, 3 of 10 −4.11 %, 3 of 14 −4.43 % (−4.20 % with the channels' curvatures), 3 of 20 −4.45 %, 2 of 20
    /// −3.14 %; 3 of 14 took 9.8× effort 1's time in float32 and 6.9× with g_s in bfloat16 (−4.39 %, in an earlier form
    /// that cast GDN's float32 parameters). On the whole textured split, 3 of 14: −5.12 % BD-rate at 8.8× with g_s in
    /// bfloat16 (AVX-512), −5.18 % at 10.5× in float32 with AVX-512 off; validation split −8.27 % at 8.5×. With the
    /// steps between passes in one vectorized pass (<see cref="RelaxedRateStep"/>, session 28): −5.08 % at 6.28×
    /// (bfloat16), −5.11 % at 9.33× with AVX-512 off, −5.11 % at 11.15× on AVX-512 without BF16.
    /// </summary>
    private const int ContextShortSearchIterations = 3;

    /// <summary>
    /// Adam steps per pass of g_s in effort 2 on a channel-context model. The steps after a pass's first reuse that
    /// pass's distortion gradient ∂D/∂ỹ plus the curvature of D (each channel's, then each element's) times the step
    /// from the pass's ỹ (<see cref="StaleGradient"/>), and the pass's context centres and scales: they cost the rate's
    /// own passes only.
    /// On citrus-fruits, leuvenA and european-honey-bee at points 1, 4 and 6 (mean change of the real cost against effort
    /// 1, AVX-512, session 25), 5 passes of 6 steps with a step of 0.45 or 0.6 × the short searches' gave −4.32 % and
    /// −4.30 %, 0.8 × −4.15 %; 5 of 8 (0.5 ×) −4.60 % at 11.3×.
    /// </summary>
    private const int ContextStepsPerPass = 14;

    /// <summary>Effort 2's Adam step on a channel-context model, as a share of the short searches' step: several steps a pass take smaller ones.</summary>
    private const double ContextStepScale = 0.6;

    /// <summary>The share of the iterations that optimize y alone under a fixed ẑ (all of them in a schedule with <see cref="SearchSchedule.HyperFixed"/>).</summary>
    private const double FixedHyperLatentShare = 0.2;

    /// <summary>The seed of the annealing's noise (any fixed value: it makes encodes repeatable).</summary>
    private const long NoiseSeed = 0x4E6963;

    private readonly ConcurrentDictionary<NicModelId, Lazy<LoadedModel>> _models = new();
    private readonly Func<int, int>? _iterations;

    /// <summary>Whether the steps between passes may take <see cref="RelaxedRateStep"/> (tests turn it off to compare).</summary>
    private readonly bool _vectorizedSteps;
    private bool _disposed;

    /// <summary>Creates the optimizer; it runs on <paramref name="device"/> (the CPU when null).</summary>
    /// <param name="device">The libtorch device.</param>
    public TorchLatentOptimizer(Device? device = null)
        : this(device, null, DefaultLearningRate)
    {
    }

    /// <summary>
    /// An optimizer with its own schedule (tests, tuning); <paramref name="iterations"/> null for
    /// <see cref="IterationsFor(int, NicModelFile)"/>; <paramref name="synthesisPrecision"/> null for the rule of
    /// <see cref="SynthesisPrecision"/>.
    /// </summary>
    internal TorchLatentOptimizer(Device? device, Func<int, int>? iterations, double learningRate, ScalarType? synthesisPrecision = null, bool vectorizedSteps = true)
    {
        Device = device ?? CPU;
        _vectorizedSteps = vectorizedSteps;
        _iterations = iterations;
        LearningRate = learningRate;
        SynthesisPrecision = synthesisPrecision
            ?? (Device.type == DeviceType.CPU && BFloat16Convolutions.AreNative ? ScalarType.BFloat16 : ScalarType.Float32);
    }

    /// <summary>
    /// The number type of the passes of g_s in effort 2's search on a channel-context model (the one measured in both):
    /// bfloat16 on a CPU whose libtorch runs bfloat16 convolutions in hardware (AVX512_BF16 through oneDNN), where a pass
    /// takes about half the time; else float32. Everything else (the rates, the steps, the latents, the sums of the error
    /// and of the gradient) stays float32, and the other searches run g_s in float32. Such an effort-2 file differs
    /// between the two; both decode with any decoder.
    /// </summary>
    public ScalarType SynthesisPrecision { get; }

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
    /// −3.04 %; 0.04 fell back to g_a's latents at a low point); at 10 iterations of one step on the channel-context family
    /// (effort 2's schedule in sessions 13–14), 0.03 gave −3.93 % BD-rate on the whole textured photos against 0.02's
    /// −3.67 %.
    /// </summary>
    private const int ShortSearchIterations = 10;

    /// <summary>The device it runs on.</summary>
    public Device Device { get; }

    /// <inheritdoc />
    public string Name => "sga/torch:" + Device.type.ToString().ToLowerInvariant();

    internal double LearningRate { get; }

    /// <summary>
    /// The last search's schedule, its passes of g_s with and without the gradient, how often its relaxed steps under a
    /// fixed ẑ ran the context networks, how often it measured the curvature of D, how many steps between passes took
    /// their gradient from <see cref="RelaxedRateStep"/>, and the number type of its g_s (tests).
    /// </summary>
    internal (SearchSchedule Schedule, int GradientPasses, int ForwardPasses, int ContextPasses, int Curvatures, int VectorizedSteps, ScalarType Precision) LastSearch { get; private set; }

    /// <summary>
    /// The iterations of the search at an encoder effort: 2 → 6, 3 → 16, 4 → 32, 5 → 50, 6 → 80, 7 → 120, 8 → 180,
    /// 9 → 250, each about one forward and backward pass of g_s, h_s and the entropy models over the image, which costs
    /// more than a default encode (g_s's pass alone about 1.2 of them on a 1.2-MP photo with AVX-512: the managed encoder
    /// has become faster than libtorch's convolutions); <c>nic-torch bench effort</c> times each effort against it.
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
    /// effort 2 on a channel-context model (<c>mbt2018-mean-cc</c>), which runs 3 passes of 14 Adam steps each
    /// (<see cref="ContextStepsPerPass"/>) under h_a's ẑ (docs/rate-distortion.md#encoder-effort).
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
            return new SearchSchedule(ContextShortSearchIterations, ContextStepsPerPass, StepSize(LearningRate, ContextShortSearchIterations) * ContextStepScale, HyperFixed: true);
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

        LoadedModel loaded = _models.GetOrAdd(file.Id, _ => new Lazy<LoadedModel>(() => new LoadedModel(file, Device))).Value;
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
            model.Value.Dispose();
        }
    }

    private NicLatents Search(LoadedModel loaded, NicLatentProblem problem, SearchSchedule schedule, CancellationToken cancellationToken)
    {
        ImageCompressionModel model = loaded.Model;
        using var outer = NewDisposeScope();
        Tensor image = ToTensor(problem.Image);
        Tensor y0 = ToTensor(problem.Y);
        Tensor? z0 = problem.Z is null ? null : ToTensor(problem.Z);
        // g_s in SynthesisPrecision for the schedule of several steps a pass (effort 2 on a channel-context model) only.
        ImageCompressionModel synthesis = schedule.StepsPerPass > 1 ? loaded.Synthesis(SynthesisPrecision) : model;
        using var objective = new Objective(model, synthesis, problem.Model.Architecture.Geometry!, loaded.Context, image, problem.Width, problem.Height, problem.Model.Lambda, schedule.StepsPerPass > 1);
        if (model is HyperpriorModel != z0 is not null)
        {
            throw new ArgumentException(z0 is null ? "a hyperprior model needs z" : "a model without a hyperprior takes no z", nameof(problem));
        }

        var y = new Parameter(y0.clone(), requires_grad: true);
        Parameter? z = z0 is null ? null : new Parameter(z0.clone(), requires_grad: true);
        int steps = schedule.Steps;
        using var adam = new Training.Adam(z is null || schedule.HyperFixed ? [y] : [y, z], schedule.StepSize);
        int joint = schedule.HyperFixed ? 0 : steps - (int)Math.Round(steps * FixedHyperLatentShare);
        double endTemperature = HasContext(problem.Model) ? ContextEndTemperature : EndTemperature;
        Tensor? zFixed = null;
        Tensor? scalesFixed = null, meansFixed = null;
        // With several steps a pass, the first pass is g_s over the hard-rounded start: its loss is the one the result must
        // beat, and its gradient serves the first steps (one forward pass less than a separate evaluation of the start).
        double? startLoss = schedule.StepsPerPass > 1 ? objective.Hard(y0, z0, keepDistortionGradient: true).Loss : null;
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            objective.FreshPass = step % schedule.StepsPerPass == 0 && !(step == 0 && startLoss is not null);
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
            if (zFixed is not null && _vectorizedSteps && objective.TryStepBetweenPasses(y, temperature))
            {
                adam.step();
                continue;
            }

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
            LastSearch = (schedule, objective.GradientPasses, objective.ForwardPasses, objective.ContextPasses, objective.Curvatures, objective.VectorizedSteps, synthesis.SynthesisPrecision);
            return found <= start
                ? new NicLatents(ToFeatureMap(yHat), zHat is null ? null : ToFeatureMap(zHat))
                : new NicLatents(problem.Y, problem.Z);
        }
    }

    /// <summary>
    /// Each element's curvature of the distortion D along the search's last move, from the gradients ∂D/∂ỹ at two points
    /// (a secant) over the window of <see cref="SecantWindow"/> × <see cref="SecantWindow"/> latents of its channel around
    /// it (cut at the frame's edges): h = max(0, Σ Δg·Δỹ / Σ Δỹ²) over the window's elements, the shape of y. g_s's
    /// Jacobian varies across the image (a channel's curvature in flat and in busy parts differs), so a window's secant
    /// corrects the steps between passes better than the channel's: on three textured photos 3 passes of 14 steps
    /// lowered the cost by 4.43 % against 4.20 % with one secant a channel (a window of 5: 4.46 %); with 5 passes of 6,
    /// windows of 3, 9 and 17 gave 4.76 %, 4.79 % and 4.75 % (docs/rate-distortion.md). The gradients of a pass in
    /// bfloat16 are within about 7 % of float32's (of their norm), noise that the window's 81 elements average; the
    /// steps between two passes' ỹ lie far above <see cref="MeasurableStep"/>. A window whose elements moved by less than
    /// <see cref="MeasurableStep"/> (root mean square) has none: g_s couples the channels, so a gradient changes with the
    /// other channels' moves, and that change over a step of a few ulps would read as a curvature of thousands.
    /// </summary>
    internal static Tensor SecantCurvature(Tensor previousPoint, Tensor previousGradient, Tensor point, Tensor gradient)
    {
        using var scope = NewDisposeScope();
        Tensor step = point.sub(previousPoint);
        Tensor change = gradient.detach().sub(previousGradient);
        Tensor along = WindowMean(change.mul(step));
        Tensor length = WindowMean(step.Squared());
        Tensor measurable = length.AtLeastMask(MeasurableStep * MeasurableStep);
        return along.div(length.AtLeast(1e-12)).AtLeast(0).mul(measurable).MoveToOuterDisposeScope();
    }

    /// <summary>The mean of each element's window of <see cref="SecantWindow"/> latents a side, over the elements inside the frame.</summary>
    private static Tensor WindowMean(Tensor values) =>
        nn.functional.avg_pool2d(values, SecantWindow, 1, SecantWindow / 2, count_include_pad: false);

    /// <summary>The side of the window of latents a secant curvature is measured over (odd: centred on its element).</summary>
    internal const int SecantWindow = 9;

    /// <summary>The root-mean-square step below which a window's curvature is not measured (<see cref="SecantCurvature"/>).</summary>
    internal const double MeasurableStep = 1e-3;

    /// <summary>
    /// ∂D/∂ỹ at <paramref name="point"/> from a pass's <paramref name="gradient"/> at <paramref name="passPoint"/>: that
    /// gradient plus <paramref name="curvature"/> (each channel's, (1, C, 1, 1), or each element's, y's shape) times the
    /// step since (the pass's gradient alone without one). Without the correction, a step between passes does not see
    /// that its own move has changed the distortion:
    /// 5 passes of 6 steps lowered the cost of three whole textured photos by 3.20 % instead of 4.30 % (session 25); with
    /// the first pass's steps corrected too, by a probed curvature instead of none, by 4.64 % instead of 3.91 %
    /// (citrus-fruits, aloeL and european-honey-bee at points 1, 4 and 6, session 26; docs/rate-distortion.md).
    /// </summary>
    internal static Tensor StaleGradient(Tensor gradient, Tensor passPoint, Tensor? curvature, Tensor point)
    {
        if (curvature is null)
        {
            return gradient;
        }

        using var scope = NewDisposeScope();
        return gradient.Plus(point.sub(passPoint).mul(curvature)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// How a search runs: <paramref name="Passes"/> passes of g_s (forward and backward), <paramref name="StepsPerPass"/>
    /// Adam steps each (the later ones on the pass's distortion gradient), at Adam's <paramref name="StepSize"/>; with
    /// <paramref name="HyperFixed"/>, y alone under h_a's ẑ throughout (else z too, for all but the last fifth).
    /// </summary>
    internal readonly record struct SearchSchedule(int Passes, int StepsPerPass, double StepSize, bool HyperFixed = false)
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

    private static Tensor Bits(Tensor likelihoods) =>
        LowerBoundFunction.Apply(likelihoods, EntropyModels.GaussianConditional.LikelihoodBound).log().sum().DividedBy(-Math.Log(2));

    /// <summary>A model loaded for the search: its parameters frozen, on the optimizer's device.</summary>
    private sealed class LoadedModel : IDisposable
    {
        private readonly NicModelFile _file;
        private readonly Device _device;
        private ImageCompressionModel? _converted;

        public LoadedModel(NicModelFile file, Device device)
        {
            (_file, _device) = (file, device);
            Model = Frozen(ImageModels.FromModelFile(file), device);
            Context = ChannelContextModel.FromModelFile(file) is { } context ? Frozen(context, device) : null;
        }

        public ImageCompressionModel Model { get; }

        /// <summary>
        /// The model whose g_s runs in <paramref name="precision"/>: <see cref="Model"/> for float32, else a copy with g_s
        /// converted (made on first use; only its <see cref="ImageCompressionModel.Synthesize"/> is used). Called under the
        /// model's lock.
        /// </summary>
        public ImageCompressionModel Synthesis(ScalarType precision)
        {
            if (precision == ScalarType.Float32)
            {
                return Model;
            }

            if (_converted is null)
            {
                ImageCompressionModel copy = ImageModels.FromModelFile(_file);
                copy.ConvertSynthesis(precision);
                _converted = Frozen(copy, _device);
            }

            return _converted.SynthesisPrecision == precision
                ? _converted
                : throw new InvalidOperationException($"g_s was converted to {_converted.SynthesisPrecision}, not {precision}");
        }

        /// <summary>The context model of an <c>mbt2018-mean-cc</c> file (spec/nic-coding.md §10.3); null for other models.</summary>
        public ChannelContextModel? Context { get; }

        public void Dispose()
        {
            Model.Dispose();
            Context?.Dispose();
            _converted?.Dispose();
        }

        /// <summary><paramref name="module"/> on <paramref name="device"/>, in evaluation mode, its parameters frozen.</summary>
        private static T Frozen<T>(T module, Device device)
            where T : nn.Module
        {
            module.to(device);
            foreach (Parameter parameter in module.parameters())
            {
                parameter.requires_grad = false;
            }

            module.eval();
            return module;
        }
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

        /// <summary>The source of SGA's noise, seeded alike for every search: the same image encodes to the same file.</summary>
        private readonly Generator _noise;

        /// <summary>The last pass's ∂D/∂ỹ and squared error, which the steps between passes reuse (owned here, outside any dispose scope).</summary>
        private Tensor? _lastGradient;
        private double _lastError;

        /// <summary>The ỹ of the last pass, from which the steps between passes measure their step.</summary>
        private Tensor? _lastPoint;

        /// <summary>The curvature of D: each channel's probed at the first pass (<see cref="SynthesisTiles.ProbedCurvature"/>), then each element's between the last two passes (<see cref="SecantCurvature"/>).</summary>
        private Tensor? _curvature;

        /// <summary>The context model's centres and scales at the last pass, which the steps between passes under a fixed ẑ reuse.</summary>
        private (Tensor Centres, Tensor Spreads)? _lastContext;

        /// <summary>Whether steps run between passes (several steps a pass): only they need the curvature and the pass's ỹ.</summary>
        private readonly bool _stepsBetweenPasses;

        public Objective(ImageCompressionModel model, ImageCompressionModel synthesis, ModelGeometry geometry, ChannelContextModel? context, Tensor image, int width, int height, double lambda, bool stepsBetweenPasses)
        {
            _stepsBetweenPasses = stepsBetweenPasses;
            _noise = new Generator(NoiseSeed, image.device);
            _model = model;
            _hyper = model as HyperpriorModel;
            _context = context;
            _width = width;
            _height = height;
            _distortion = new SynthesisTiles(synthesis, geometry, Crop(image));
            _distortionWeight = lambda * 255 * 255;
            _medians = model.EntropyBottleneck.Quantiles.detach().select(2, 1).reshape(1, -1, 1, 1);
        }

        /// <summary>The passes of g_s with the gradient so far.</summary>
        public int GradientPasses => _distortion.GradientPasses;

        /// <summary>The passes of g_s without it so far.</summary>
        public int ForwardPasses => _distortion.ForwardPasses;

        /// <summary>
        /// Whether the next relaxed loss starts a pass: runs g_s and, under a fixed ẑ, the context networks. Between passes
        /// (false) it reuses the last pass's distortion gradient (<see cref="StaleGradient"/>) and context centres and scales.
        /// </summary>
        public bool FreshPass { get; set; } = true;

        /// <summary>How often the relaxed steps under a fixed ẑ have run the context networks (their centres and scales) so far.</summary>
        public int ContextPasses { get; private set; }

        /// <summary>How often the curvature of D has been taken (the probe, then <see cref="SecantCurvature"/>) so far.</summary>
        public int Curvatures { get; private set; }

        public void Dispose()
        {
            _noise.Dispose();
            _lastGradient?.Dispose();
            _lastPoint?.Dispose();
            _curvature?.Dispose();
            _lastContext?.Centres.Dispose();
            _lastContext?.Spreads.Dispose();
        }

        /// <summary>How many steps between passes took their gradient from <see cref="RelaxedRateStep"/> so far.</summary>
        public int VectorizedSteps { get; private set; }

        /// <summary>
        /// Whether the next step is one between passes under a fixed ẑ on a channel-context model, once the pass's
        /// centres and scales exist: its gradient reuses the pass's (<see cref="StaleGradient"/>), and its noise comes from
        /// one seed (<see cref="StepSeed"/>) whichever computes it.
        /// </summary>
        private bool IsContextStepBetweenPasses =>
            !FreshPass && _context is not null && _lastGradient is not null && _lastPoint is not null && _lastContext is not null;

        /// <summary>
        /// A step between passes (<see cref="IsContextStepBetweenPasses"/>) on the CPU: y's gradient, from the pass's
        /// distortion gradient, curvature, centres and scales, computed by <see cref="RelaxedRateStep"/> in one vectorized
        /// pass over y and set as y's grad, in place of <see cref="RelaxedLossFixedHyper"/> and its backward pass (the
        /// same gradient on the same draws up to float32 rounding, through about sixty libtorch operations). Its uniform
        /// draws are hashed from each element's index and one seed that the search's generator draws
        /// (<see cref="RelaxedRateStep.Draws"/>; libtorch's generator took longer to draw them than the whole step), and
        /// <see cref="RelaxedLossFixedHyper"/> takes the same draws for such a step. False, with nothing drawn, where the
        /// step does not apply: not such a step, a tensor on another device or in another number type, or a CPU without
        /// 256-bit vectors in hardware (the relaxed loss then runs).
        /// </summary>
        public bool TryStepBetweenPasses(Parameter y, double temperature)
        {
            if (!IsContextStepBetweenPasses || _lastContext is not { } last || !Vector256.IsHardwareAccelerated
                || !new[] { y, last.Centres, last.Spreads, _lastGradient, _lastPoint, _curvature }.All(RelaxedRateStep.Takes))
            {
                return false;
            }

            using var scope = NewDisposeScope();
            Tensor values = y.detach().contiguous();
            Tensor gradient = empty_like(values);
            RelaxedRateStep.Apply(
                values, last.Centres.contiguous(), last.Spreads.contiguous(), StepSeed(), temperature, _context!.Distribution,
                _lastGradient!.contiguous(), _lastPoint!.contiguous(), _curvature?.contiguous(), _distortionWeight / _distortion.Samples,
                (double)_width * _height, gradient, get_num_threads());
            y.grad = gradient;
            VectorizedSteps++;
            return true;
        }

        /// <summary>The seed of a step between passes' draws, from the search's generator.</summary>
        private uint StepSeed() => (uint)randint(0, 1L << 32, [1], ScalarType.Int64, device: _noise.device, generator: _noise).item<long>();

        /// <summary>The loss with y and z relaxed by SGA; μ and σ follow the relaxed z.</summary>
        public Tensor RelaxedLoss(Tensor y, Tensor? z, double temperature)
        {
            using var scope = NewDisposeScope();
            if (_hyper is null)
            {
                Tensor yTilde = AnnealedRoundingFunction.Apply(y.sub(_medians), temperature, _noise).Plus(_medians);
                return Combine(BottleneckBits(yTilde), yTilde).MoveToOuterDisposeScope();
            }

            Tensor zTilde = AnnealedRoundingFunction.Apply(z!.sub(_medians), temperature, _noise).Plus(_medians);
            (Tensor scales, Tensor? means) = _hyper.HyperSynthesize(zTilde);
            (Tensor yBits, Tensor yRelaxed) = CodeY(y, scales, means, v => AnnealedRoundingFunction.Apply(v, temperature, _noise), relaxed: true, hyperFixed: false);
            return Combine(yBits.Plus(BottleneckBits(zTilde)), yRelaxed).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The loss with ẑ fixed (its bits a constant) and y relaxed by SGA around the fixed μ. Under a context model, the
        /// steps between passes reuse the centres and scales of the pass's step (they move only where the hard rounding
        /// of a slice coded before has moved, as stale as the pass's distortion gradient), which skips the networks.
        /// </summary>
        public Tensor RelaxedLossFixedHyper(Tensor y, Tensor zHat, Tensor scales, Tensor? means, double temperature)
        {
            using var scope = NewDisposeScope();
            Func<Tensor, Tensor> round = v => AnnealedRoundingFunction.Apply(v, temperature, _noise);
            if (IsContextStepBetweenPasses)
            {
                // The draws of the vectorized step (TryStepBetweenPasses) where it does not run: the same search either way.
                uint seed = StepSeed();
                round = v => AnnealedRoundingFunction.Apply(v, temperature, RelaxedRateStep.Draws(seed, v).to(v.device));
            }

            (Tensor bits, Tensor yRelaxed) = CodeY(y, scales, means, round, relaxed: true, hyperFixed: true);
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
            (Tensor bits, Tensor yHat) = CodeY(y.detach(), scales, means, v => v.round(), relaxed: false, hyperFixed: false);
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
        /// backward pass hands that gradient on through ỹ to y and z. Between passes (<see cref="FreshPass"/> false)
        /// the last pass's gradient and error stand in for g_s; <paramref name="keepDistortionGradient"/> computes and keeps
        /// the gradient of a hard-rounded ŷ (the start), whose loss has no graph.
        /// </summary>
        private Tensor Combine(Tensor bits, Tensor yTilde, bool keepDistortionGradient = false)
        {
            using var scope = NewDisposeScope();
            double squaredError;
            Tensor? gradient;
            if (yTilde.requires_grad && !FreshPass && _lastGradient is not null)
            {
                (squaredError, gradient) = (_lastError, StaleGradient(_lastGradient, _lastPoint!, _curvature, yTilde.detach()));
            }
            else
            {
                (squaredError, gradient) = _distortion.Evaluate(yTilde, withGradient: yTilde.requires_grad || keepDistortionGradient);
                if (gradient is not null)
                {
                    if (_stepsBetweenPasses)
                    {
                        Tensor point = yTilde.detach();
                        _curvature?.Dispose();
                        Tensor curvature = _lastGradient is null
                            ? _distortion.ProbedCurvature(point, _noise)
                            : SecantCurvature(_lastPoint!, _lastGradient, point, gradient);
                        _curvature = curvature.DetachFromDisposeScope();
                        Curvatures++;

                        _lastPoint?.Dispose();
                        _lastPoint = point.clone().DetachFromDisposeScope();
                    }

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
        /// hard-rounded (<see cref="ChannelContextModel.RoundedContextParameters"/>): with the relaxed samples as their
        /// input, 6 iterations lowered the real cost of the textured crops by 1.88 %, with the rounded ones by 2.20 %
        /// (10 iterations: 2.72 % against 3.25 %), and each iteration skips the networks' backward pass. Under a fixed ẑ
        /// (<paramref name="hyperFixed"/>) the steps between passes reuse the centres and scales of the pass's step: they
        /// move only where the hard rounding of a slice coded before has moved, as stale as the pass's distortion gradient,
        /// and the networks are skipped.
        /// </summary>
        private (Tensor Bits, Tensor YHat) CodeY(Tensor y, Tensor scales, Tensor? means, Func<Tensor, Tensor> round, bool relaxed, bool hyperFixed)
        {
            using var scope = NewDisposeScope();
            if (_context is not null)
            {
                Tensor centreMeans = means ?? throw new InvalidOperationException("a context model needs h_s's means");
                (Tensor contextBits, Tensor coded) = !relaxed
                    ? _context.Code(y, scales, centreMeans, round)
                    : _context.CodeAround(y, ContextParameters(y, scales, centreMeans, reusable: hyperFixed), round);
                return (contextBits.sum().MoveToOuterDisposeScope(), coded.MoveToOuterDisposeScope());
            }

            Tensor yHat = means is null ? round(y) : round(y.sub(means)).Plus(means);
            return (Bits(_hyper!.GaussianConditional.Likelihood(yHat, scales, means)).MoveToOuterDisposeScope(), yHat.MoveToOuterDisposeScope());
        }

        /// <summary>
        /// The context model's centres and scales of y fed the hard-rounded slices; when <paramref name="reusable"/> (ẑ
        /// fixed) and a pass has computed them, a step between passes takes that pass's.
        /// </summary>
        private (Tensor Centres, Tensor Spreads) ContextParameters(Tensor y, Tensor scales, Tensor means, bool reusable)
        {
            if (reusable && !FreshPass && _lastContext is { } last)
            {
                return last;
            }

            (Tensor centres, Tensor spreads) = _context!.RoundedContextParameters(y.detach(), scales, means);
            if (!reusable)
            {
                return (centres, spreads);
            }

            _lastContext?.Centres.Dispose();
            _lastContext?.Spreads.Dispose();
            _lastContext = (centres.DetachFromDisposeScope(), spreads.DetachFromDisposeScope());
            ContextPasses++;
            return _lastContext.Value;
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
