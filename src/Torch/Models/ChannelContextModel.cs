using Nic.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>The distribution the Gaussian-conditional tables of a model hold (spec/nic-model.md §6.2).</summary>
public enum ConditionalDistribution
{
    /// <summary>A normal distribution of standard deviation σ convolved with the unit uniform (CompressAI's).</summary>
    Gaussian,

    /// <summary>A logistic distribution of standard deviation σ (scale σ·√3/π) convolved with the unit uniform.</summary>
    Logistic,
}

/// <summary>
/// The channel-conditional context model of <c>mbt2018-mean-cc</c> (spec/nic-model.md §4.6, spec/nic-coding.md §10.3) as
/// a trainable module: y's M channels are cut into S slices of C = M/S; slice 0 is coded under h_s's (σ, μ), and slice
/// k ≥ 1 under (σ, μ) that its network <c>context.{k}</c> (conv K, LeakyReLU, conv 1, LeakyReLU, conv K) corrects from
/// the normalised residuals e = (ŷ − μ_hs)/σ′ of slices 0 … k−1, σ′ = max(σ_hs, s₀):
/// μ = μ_hs + σ′·a and σ = σ′·max(1 + b, 1/16). The managed engine's <c>ChannelContextCoder</c> computes exactly this in
/// the fixed-order arithmetic; this module trains it on frozen latents, one band (the network's whole image) per example.
/// </summary>
public sealed class ChannelContextModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>The smallest factor the network may apply to σ′ (spec/nic-coding.md §10.3).</summary>
    public const float MinimumScaleFactor = 1f / 16;

    /// <summary>The likelihood floor of the rate term (CompressAI's).</summary>
    internal const double LikelihoodBound = 1e-9;

    /// <summary>The logistic's scale per σ, √3/π: the logistic of scale σ·√3/π has the variance of a Gaussian of σ.</summary>
    internal static readonly double LogisticScalePerSpread = Math.Sqrt(3) / Math.PI;

    private readonly ModuleList<Sequential> _networks;
    private readonly ModuleList<Sequential> _spatial;

    /// <summary>Creates the model with fresh networks whose last layers are zero, so that it starts as the plain mean-scale hyperprior.</summary>
    /// <param name="m">M, the channels of y.</param>
    /// <param name="slices">S, the slices (2 … 16, dividing M).</param>
    /// <param name="hidden">H, the channels of the networks' hidden layers.</param>
    /// <param name="kernel">K, the odd kernel of the first and last layer.</param>
    /// <param name="distribution">The distribution the tables will hold.</param>
    /// <param name="minimumScale">s₀: the model's <c>scale_table[0]</c>.</param>
    /// <exception cref="ArgumentException">A hyper-parameter is out of range.</exception>
    /// <param name="checkerboard">
    /// Whether each slice is coded in two passes (He et al. 2021): the anchors ((row + column) even within the band)
    /// first, then the other elements under a network <c>spatial.{k}</c> that also sees the slice's decoded anchors.
    /// </param>
    public ChannelContextModel(int m, int slices, int hidden, int kernel, ConditionalDistribution distribution, float minimumScale, bool checkerboard = false)
        : base(nameof(ChannelContextModel))
    {
        if (slices < 2 || slices > 16 || m % slices != 0)
        {
            throw new ArgumentException($"{slices} slices do not cut M = {m} evenly into 2 … 16 slices", nameof(slices));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hidden, 1024);
        if (kernel < 1 || kernel > 7 || kernel % 2 == 0)
        {
            throw new ArgumentException($"the kernel is {kernel}; it must be odd, 1 … 7", nameof(kernel));
        }

        if (!(minimumScale > 0) || !float.IsFinite(minimumScale))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumScale), minimumScale, "s₀ must be positive");
        }

        M = m;
        Slices = slices;
        Hidden = hidden;
        Kernel = kernel;
        Distribution = distribution;
        MinimumScale = minimumScale;
        int c = m / slices;
        Checkerboard = checkerboard;
        _networks = new ModuleList<Sequential>();
        _spatial = new ModuleList<Sequential>();
        for (int k = 1; k < slices; k++)
        {
            _networks.Add(Network(k * c, hidden, 2 * c, kernel));
        }

        for (int k = 0; checkerboard && k < slices; k++)
        {
            _spatial.Add(Network((k + 1) * c, hidden, 2 * c, kernel));
        }

        RegisterComponents();
    }

    /// <summary>
    /// The context model of an <c>mbt2018-mean-cc</c> file (spec/nic-model.md §4.6) with its networks loaded, or null
    /// for a file without one (<c>context_slices</c> 0). The distribution is the one its tables hold: logistic when
    /// they are <see cref="Nic.Codec.Entropy.LogisticCdfTables"/> of its scale table (spec/nic-model.md §6.2), else
    /// Gaussian.
    /// </summary>
    /// <param name="file">A loaded model file.</param>
    /// <exception cref="ArgumentException">The file's context tensors are missing or have other shapes.</exception>
    internal static ChannelContextModel? FromModelFile(Nic.Codec.Models.NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        Nic.Codec.Models.ModelHyperParameters h = file.HyperParameters;
        if (h.ContextSlices == 0 || file.GaussianConditionalTables is not { } tables)
        {
            return null;
        }

        double[] scaleTable = [.. file.ScaleTable.ToArray().Select(v => (double)v)];
        Nic.Codec.Entropy.QuantizedCdfTables logistic = Nic.Codec.Entropy.LogisticCdfTables.Create(scaleTable);
        bool isLogistic = logistic.Count == tables.Count && Enumerable.Range(0, tables.Count).All(t => logistic.GetCdf(t).SequenceEqual(tables.GetCdf(t)));
        var model = new ChannelContextModel(
            h.M, h.ContextSlices, h.ContextHidden, h.ContextKernel, isLogistic ? ConditionalDistribution.Logistic : ConditionalDistribution.Gaussian, file.ScaleTable.Span[0], h.ContextCheckerboard == 1);
        try
        {
            model.LoadModelFileTensors(name => file.TryGetTensor(name, out var tensor) ? tensor.Float32Data.ToArray() : null);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>M.</summary>
    public int M { get; }

    /// <summary>Whether a family of <paramref name="architecture"/> can take this context model: the mean-scale hyperprior (mbt2018-mean), whose h_s gives σ and μ.</summary>
    internal static bool CanExtend(Nic.Codec.Models.ModelArchitecture architecture) =>
        architecture.Kind == Nic.Codec.Models.ModelArchitectureKind.Mbt2018Mean;

    /// <summary>Whether each slice is coded in two checkerboard passes.</summary>
    public bool Checkerboard { get; }

    /// <summary>S.</summary>
    public int Slices { get; }

    /// <summary>C = M / S.</summary>
    public int SliceChannels => M / Slices;

    /// <summary>H.</summary>
    public int Hidden { get; }

    /// <summary>K.</summary>
    public int Kernel { get; }

    /// <summary>The distribution of the tables.</summary>
    public ConditionalDistribution Distribution { get; }

    /// <summary>s₀.</summary>
    public float MinimumScale { get; }

    /// <summary>
    /// The tensors of the networks under their model-file names (<c>context.{k}.{layer}.weight</c> and <c>.bias</c>,
    /// k = 1 … S − 1, layers 0, 2 and 4), as float arrays with their shapes.
    /// </summary>
    public IEnumerable<(string Name, long[] Shape, float[] Data)> ModelFileTensors()
    {
        foreach ((string prefix, Sequential network) in Networks())
        {
            foreach ((string name, Tensor value) in network.named_parameters())
            {
                float[] data;
                using (NewDisposeScope())
                {
                    data = TensorData.ToArray<float>(value.detach().cpu().contiguous());
                }

                yield return ($"{prefix}.{name}", value.shape, data);
            }
        }
    }

    /// <summary>Loads the networks from tensors named as <see cref="ModelFileTensors"/> names them.</summary>
    /// <exception cref="ArgumentException">A tensor is missing or has another shape.</exception>
    public void LoadModelFileTensors(Func<string, float[]?> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var noGrad = no_grad();
        foreach ((string prefix, Sequential network) in Networks())
        {
            foreach ((string name, Parameter value) in network.named_parameters())
            {
                float[] data = tensor($"{prefix}.{name}") ?? throw new ArgumentException($"the model has no tensor {prefix}.{name}");
                if (data.Length != value.numel())
                {
                    throw new ArgumentException($"{prefix}.{name} holds {data.Length} values, not {value.numel()}");
                }

                using var scope = NewDisposeScope();
                value.copy_(torch.tensor(data).reshape(value.shape));
            }
        }
    }

    /// <summary>
    /// The bits of coding bands of y, shape (B): y, σ_hs and μ_hs are (B, M, h, w), each example one band. In training
    /// mode ŷ is rounded with a straight-through gradient; the rate is −log₂ of the discretized likelihood under the
    /// continuous σ (the tables' σ grid is what <see cref="TabledBits"/> adds).
    /// </summary>
    public override Tensor forward(Tensor y, Tensor scales, Tensor means) => Bits(y, scales, means, scaleTable: null, useContext: true);

    /// <summary>
    /// The bits as the coder spends them (up to the tables' quantization): σ raised to the table entry its index
    /// selects (spec/nic-model.md §6.2). With <paramref name="useContext"/> false, the plain mean-scale hyperprior's
    /// bits, the baseline.
    /// </summary>
    public Tensor TabledBits(Tensor y, Tensor scales, Tensor means, Tensor scaleTable, bool useContext) =>
        Bits(y, scales, means, scaleTable, useContext);

    /// <summary>
    /// The bits (B) of y coded in the rule's order, and ŷ as coded: each element is μ + <paramref name="round"/>(y − μ)
    /// under the (σ, μ) that the slices before it (and, with checkerboard passes, the slice's anchors) give. The
    /// encoder's latent search passes a relaxed rounding (SGA); <see cref="forward"/> rounds straight-through.
    /// </summary>
    /// <param name="y">y, (B, M, h, w), each example one band.</param>
    /// <param name="scales">σ_hs, the shape of y.</param>
    /// <param name="means">μ_hs, the shape of y.</param>
    /// <param name="round">Maps y − μ to the coded symbols (differentiable where the caller needs gradients).</param>
    internal (Tensor Bits, Tensor YHat) Code(Tensor y, Tensor scales, Tensor means, Func<Tensor, Tensor> round) =>
        Code(y, scales, means, scaleTable: null, useContext: true, round);

    /// <summary>
    /// The centre μ and scale σ of every element of y as the coder finds them when the networks see the hard-rounded ŷ
    /// (μ + round(y − μ)) of the slices and anchors coded before: slice by slice in the rule's order, each element's
    /// pair depends on y only through that rounding, so they are found first and <see cref="CodeAround"/> rounds all of
    /// y at once. Nothing in them carries a gradient back to y; through σ_hs and μ_hs they carry one to h_s's input.
    /// The encoder's latent search codes y around them: a relaxed sample's noise then moves no centre or scale, the
    /// rate's gradient reaches each element only through its own likelihood and g_s, and no gradient runs back through
    /// the networks. With the hard rounding, <see cref="CodeAround"/> under them gives the bits and ŷ of
    /// <see cref="Code(Tensor, Tensor, Tensor, Func{Tensor, Tensor})"/>.
    /// </summary>
    /// <param name="y">y, (B, M, h, w).</param>
    /// <param name="scales">σ_hs, the shape of y.</param>
    /// <param name="means">μ_hs, the shape of y.</param>
    internal (Tensor Centres, Tensor Spreads) RoundedContextParameters(Tensor y, Tensor scales, Tensor means)
    {
        using var scope = NewDisposeScope();
        Tensor floored = scales.AtLeast(MinimumScale);
        Tensor? anchors = Checkerboard ? AnchorMask(y.shape[2], y.shape[3]).to(y.device) : null;
        var residuals = new List<Tensor>();
        var centres = new List<Tensor>();
        var spreads = new List<Tensor>();
        for (int k = 0; k < Slices; k++)
        {
            (Tensor ySlice, Tensor scaleSlice, Tensor meanSlice) = Slice(k, y, floored, means);
            (Tensor mu, Tensor sigma) = SliceParameters(k, residuals, scaleSlice, meanSlice, useContext: true, anchors, anchorMu => RoundedResiduals(ySlice, anchorMu, meanSlice, scaleSlice));
            centres.Add(mu);
            spreads.Add(sigma);
            residuals.Add(RoundedResiduals(ySlice, mu, meanSlice, scaleSlice));
        }

        return (cat(centres, 1).MoveToOuterDisposeScope(), cat(spreads, 1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The bits (B) of y coded around given centres and scales (<see cref="RoundedContextParameters"/>), and ŷ: each
    /// element μ + <paramref name="round"/>(y − μ), its likelihood under σ.
    /// </summary>
    internal (Tensor Bits, Tensor YHat) CodeAround(Tensor y, (Tensor Centres, Tensor Spreads) parameters, Func<Tensor, Tensor> round)
    {
        using var scope = NewDisposeScope();
        (Tensor centres, Tensor spreads) = parameters;
        Tensor symbols = round(y - centres);
        Tensor bits = Likelihood(symbols, spreads).AtLeast(LikelihoodBound).log2().neg().sum([1, 2, 3]);
        return (bits.MoveToOuterDisposeScope(), centres.Plus(symbols).MoveToOuterDisposeScope());
    }

    private Tensor Bits(Tensor y, Tensor scales, Tensor means, Tensor? scaleTable, bool useContext)
    {
        using var scope = NewDisposeScope();
        return Code(y, scales, means, scaleTable, useContext, RoundStraightThrough).Bits.MoveToOuterDisposeScope();
    }

    private (Tensor Bits, Tensor YHat) Code(Tensor y, Tensor scales, Tensor means, Tensor? scaleTable, bool useContext, Func<Tensor, Tensor> round)
    {
        using var scope = NewDisposeScope();
        Tensor floored = scales.AtLeast(MinimumScale);
        Tensor? anchors = Checkerboard && useContext ? AnchorMask(y.shape[2], y.shape[3]).to(y.device) : null;
        var residuals = new List<Tensor>();
        var coded = new List<Tensor>();
        Tensor bits = zeros(y.shape[0], dtype: y.dtype, device: y.device);
        for (int k = 0; k < Slices; k++)
        {
            (Tensor ySlice, Tensor scaleSlice, Tensor meanSlice) = Slice(k, y, floored, means);

            // The anchors are coded first; their ŷ (rounded once) is what the second pass sees and what is coded.
            Tensor? anchorSymbols = null;
            (Tensor mu, Tensor sigma) = SliceParameters(k, residuals, scaleSlice, meanSlice, useContext, anchors, anchorMu =>
            {
                anchorSymbols = round(ySlice - anchorMu);
                return Residuals(anchorMu.Plus(anchorSymbols), meanSlice, scaleSlice);
            });
            Tensor symbols = anchorSymbols is null ? round(ySlice - mu) : where(anchors!.to_type(ScalarType.Bool), anchorSymbols, round(ySlice - mu));

            Tensor used = scaleTable is null ? sigma : Tabled(sigma, scaleTable);
            bits = bits.Plus(Likelihood(symbols, used).AtLeast(LikelihoodBound).log2().neg().sum([1, 2, 3]));
            Tensor yHat = mu.Plus(symbols);
            coded.Add(yHat);
            residuals.Add(Residuals(yHat, meanSlice, scaleSlice));
        }

        return (bits.MoveToOuterDisposeScope(), cat(coded, 1).MoveToOuterDisposeScope());
    }

    /// <summary>Slice <paramref name="k"/> of y, of the floored σ_hs and of μ_hs (channels k·C … (k + 1)·C − 1).</summary>
    private (Tensor Y, Tensor Scales, Tensor Means) Slice(int k, Tensor y, Tensor floored, Tensor means)
    {
        int c = SliceChannels;
        return (y.narrow(1, k * c, c), floored.narrow(1, k * c, c), means.narrow(1, k * c, c));
    }

    /// <summary>
    /// The (μ, σ) of slice <paramref name="k"/>: h_s's for slice 0 (and without the context), else its network's from the
    /// slices coded before (<paramref name="residuals"/>); with checkerboard <paramref name="anchors"/>, the other
    /// elements' from the slice's spatial network fed those and the anchors' residuals, which
    /// <paramref name="anchorResiduals"/> gives from the anchors' centres (masked here to the anchors).
    /// </summary>
    private (Tensor Mu, Tensor Sigma) SliceParameters(int k, List<Tensor> residuals, Tensor scaleSlice, Tensor meanSlice, bool useContext, Tensor? anchors, Func<Tensor, Tensor> anchorResiduals)
    {
        (Tensor mu, Tensor sigma) = k > 0 && useContext ? Parameters(_networks[k - 1], cat(residuals, 1), scaleSlice, meanSlice) : (meanSlice, scaleSlice);
        if (anchors is null)
        {
            return (mu, sigma);
        }

        (Tensor muOther, Tensor sigmaOther) = Parameters(_spatial[k], cat([.. residuals, anchorResiduals(mu) * anchors], 1), scaleSlice, meanSlice);
        Tensor isAnchor = anchors.to_type(ScalarType.Bool);
        return (where(isAnchor, mu, muOther), where(isAnchor, sigma, sigmaOther));
    }

    /// <summary>The networks' input: (ŷ − μ_hs) / σ′ of coded values ŷ.</summary>
    private static Tensor Residuals(Tensor yHat, Tensor meanSlice, Tensor scaleSlice) => (yHat - meanSlice) / scaleSlice;

    /// <summary>The same of the hard-rounded ŷ = μ + round(y − μ), detached: what the search's networks see (<see cref="RoundedContextParameters"/>).</summary>
    private static Tensor RoundedResiduals(Tensor ySlice, Tensor mu, Tensor meanSlice, Tensor scaleSlice) =>
        Residuals(mu.Plus((ySlice - mu).round()), meanSlice, scaleSlice).detach();

    /// <summary>Rounding with the gradient of the identity (the training's).</summary>
    private static Tensor RoundStraightThrough(Tensor centred) => centred.Plus((centred.round() - centred).detach());

    /// <summary>μ = μ_hs + σ′·a and σ = σ′·max(1 + b, 1/16) from a network's output (a, b).</summary>
    private (Tensor Mu, Tensor Sigma) Parameters(Sequential network, Tensor input, Tensor scaleSlice, Tensor meanSlice)
    {
        int c = SliceChannels;
        Tensor output = network.forward(input);
        return (meanSlice.Plus(scaleSlice * output.narrow(1, 0, c)), scaleSlice * output.narrow(1, c, c).Plus(1).AtLeast(MinimumScaleFactor));
    }

    /// <summary>1 where (row + column) is even (the anchors, coded first), else 0; shape (1, 1, h, w).</summary>
    private static Tensor AnchorMask(long height, long width)
    {
        float[] mask = new float[checked(height * width)];
        for (long row = 0; row < height; row++)
        {
            for (long column = (row & 1); column < width; column += 2)
            {
                mask[(row * width) + column] = 1;
            }
        }

        return tensor(mask).reshape(1, 1, height, width);
    }

    /// <summary>The networks with their model-file prefixes: <c>context.{k}</c>, then <c>spatial.{k}</c>.</summary>
    private IEnumerable<(string Prefix, Sequential Network)> Networks()
    {
        for (int k = 1; k < Slices; k++)
        {
            yield return ($"context.{k}", _networks[k - 1]);
        }

        for (int k = 0; k < _spatial.Count; k++)
        {
            yield return ($"spatial.{k}", _spatial[k]);
        }
    }

    /// <summary>conv K, LeakyReLU, conv 1, LeakyReLU, conv K; the last layer zero, so that a fresh network changes nothing.</summary>
    private static Sequential Network(int inChannels, int hidden, int outChannels, int kernel)
    {
        Conv2d last = nn.Conv2d(hidden, outChannels, kernel, padding: kernel / 2);
        using (no_grad())
        {
            last.weight!.zero_();
            last.bias!.zero_();
        }

        return nn.Sequential(
            nn.Conv2d(inChannels, hidden, kernel, padding: kernel / 2),
            new LeakyRelu(0.01),
            nn.Conv2d(hidden, hidden, 1),
            new LeakyRelu(0.01),
            last);
    }

    /// <summary>σ replaced by the smallest table entry at least as large (the last entry when none is).</summary>
    private static Tensor Tabled(Tensor sigma, Tensor scaleTable)
    {
        Tensor index = searchsorted(scaleTable, sigma.contiguous()).AtMost(scaleTable.shape[0] - 1);
        return scaleTable.index_select(0, index.flatten()).reshape(sigma.shape);
    }

    /// <summary>The mass of the unit bin around each symbol (computed on |v|, the upper tail, as CompressAI does).</summary>
    private Tensor Likelihood(Tensor symbols, Tensor sigma)
    {
        Tensor magnitude = symbols.abs();
        if (Distribution == ConditionalDistribution.Gaussian)
        {
            return Normal(magnitude.neg().Plus(0.5) / sigma) - Normal(magnitude.neg().Minus(0.5) / sigma);
        }

        Tensor scale = sigma.Times(LogisticScalePerSpread);
        return (magnitude.neg().Plus(0.5) / scale).sigmoid() - (magnitude.neg().Minus(0.5) / scale).sigmoid();
    }

    private static Tensor Normal(Tensor x) => x.Times(-1 / Math.Sqrt(2)).erfc().Times(0.5);
}
