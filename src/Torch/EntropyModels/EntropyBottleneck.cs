using Nic.Codec.Entropy;
using Nic.Codec.EntropyModels;
using Nic.Codec.Inference;
using Nic.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// The entropy bottleneck of Ballé et al. 2018 (appendix 6.1): a learned, per-channel factorized density
/// c(x) = σ(f_K ∘ … ∘ f_0(x)) — each f_k a small matrix product with bias and (except the last) a
/// <c>h + tanh(a) ⊙ tanh(h)</c> nonlinearity, the matrices kept positive by softplus so the CDF is monotone —
/// evaluated as the mass of unit bins. Parameters and buffers carry CompressAI's names (<c>_matrix{k}</c>,
/// <c>_bias{k}</c>, <c>_factor{k}</c>, <c>quantiles</c>, <c>target</c>, <c>_quantized_cdf</c>, <c>_offset</c>,
/// <c>_cdf_length</c>), so its state dict matches spec/nic-model.md §4. Input is (N, C, …), channels second.
/// </summary>
/// <remarks>
/// Training mode adds uniform noise U(−½, ½) and returns likelihoods; evaluation mode rounds around the per-channel
/// medians. <see cref="AuxiliaryLoss"/> trains <c>quantiles</c> to the density's tail-mass quantiles and median;
/// <see cref="Update"/> then freezes integer tables, after which <see cref="Compress"/> and <see cref="Decompress"/>
/// code latents through Nic.Codec's <see cref="EntropyBottleneckCoder"/>, bit-exactly on any machine that loads the
/// same tables and quantiles.
/// </remarks>
public sealed class EntropyBottleneck : nn.Module<Tensor, (Tensor Output, Tensor Likelihoods)>
{
    /// <summary>CompressAI's default filters: four hidden layers of three units.</summary>
    public static readonly IReadOnlyList<int> DefaultFilters = [3, 3, 3, 3];

    /// <summary>The smallest likelihood reported (CompressAI's <c>likelihood_lower_bound</c>).</summary>
    public const double LikelihoodBound = 1e-9;

    private readonly int[] _widths;
    private readonly Parameter[] _matrices;
    private readonly Parameter[] _biases;
    private readonly Parameter[] _factors;
    private readonly Parameter _quantiles;
    private readonly Tensor _target;
    private readonly Tensor _quantizedCdf;
    private readonly Tensor _offset;
    private readonly Tensor _cdfLength;

    /// <summary>Creates a bottleneck of <paramref name="channels"/> channels with CompressAI's initialisation.</summary>
    /// <param name="channels">C, the channels of the latent.</param>
    /// <param name="filters">Hidden-layer widths of the density; CompressAI's (3, 3, 3, 3) when null.</param>
    /// <param name="initScale">The initial spread of the density; the quantiles start at (−initScale, 0, initScale).</param>
    /// <param name="tailMass">The probability mass left outside [lower, upper] quantiles; the escape's share in the tables.</param>
    public EntropyBottleneck(int channels, IReadOnlyList<int>? filters = null, double initScale = 10, double tailMass = 1e-9)
        : base(nameof(EntropyBottleneck))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        filters ??= DefaultFilters;
        if (filters.Any(f => f < 1))
        {
            throw new ArgumentException("every filter width must be at least 1", nameof(filters));
        }

        if (!(initScale > 0) || !(tailMass > 0 && tailMass < 1))
        {
            throw new ArgumentException($"initScale must be positive and tailMass in (0, 1); got {initScale}, {tailMass}");
        }

        Channels = channels;
        TailMass = tailMass;
        _widths = [1, .. filters, 1];
        int layers = _widths.Length - 1;
        double scale = Math.Pow(initScale, 1.0 / layers);
        _matrices = new Parameter[layers];
        _biases = new Parameter[layers];
        _factors = new Parameter[layers - 1];
        using (no_grad())
        {
            for (int k = 0; k < layers; k++)
            {
                double init = Math.Log(Math.Exp(1 / scale / _widths[k + 1]) - 1);
                _matrices[k] = new Parameter(TensorArithmetic.Full(init, channels, _widths[k + 1], _widths[k]));
                _biases[k] = new Parameter(empty(channels, _widths[k + 1], 1).uniform_(-0.5, 0.5));
                register_parameter($"_matrix{k}", _matrices[k]);
                register_parameter($"_bias{k}", _biases[k]);
                if (k < layers - 1)
                {
                    _factors[k] = new Parameter(zeros(channels, _widths[k + 1], 1));
                    register_parameter($"_factor{k}", _factors[k]);
                }
            }

            _quantiles = new Parameter(tensor(new float[] { (float)-initScale, 0, (float)initScale }).repeat(channels, 1, 1));
        }

        register_parameter("quantiles", _quantiles);
        double target = Math.Log((2 / tailMass) - 1);
        _target = tensor(new float[] { (float)-target, 0, (float)target });
        _quantizedCdf = zeros(0, 0, dtype: ScalarType.Int32);
        _offset = zeros(0, dtype: ScalarType.Int32);
        _cdfLength = zeros(0, dtype: ScalarType.Int32);
        register_buffer("target", _target);
        register_buffer("_quantized_cdf", _quantizedCdf);
        register_buffer("_offset", _offset);
        register_buffer("_cdf_length", _cdfLength);
    }

    /// <summary>C, the number of channels.</summary>
    public int Channels { get; }

    /// <summary>The tail mass the quantiles and tables are built for.</summary>
    public double TailMass { get; }

    /// <summary>The quantiles parameter [C, 1, 3]: per channel the lower tail quantile, the median and the upper one.</summary>
    public Parameter Quantiles => _quantiles;

    /// <summary>The frozen tables [C, Lmax] (empty until <see cref="Update"/>).</summary>
    public Tensor QuantizedCdf => _quantizedCdf;

    /// <summary>Per channel, the value of symbol 0 (empty until <see cref="Update"/>).</summary>
    public Tensor Offset => _offset;

    /// <summary>Per channel, the valid entries of its <see cref="QuantizedCdf"/> row (empty until <see cref="Update"/>).</summary>
    public Tensor CdfLength => _cdfLength;

    /// <summary>The per-channel medians, <c>quantiles[:, 0, 1]</c>, as the coder uses them.</summary>
    public float[] Medians() => TensorData.ToArray<float>(_quantiles.select(2, 1).flatten());

    /// <summary>The frozen tables as Nic.Codec's table set.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Update"/> has not run and no tables were loaded.</exception>
    public QuantizedCdfTables Tables()
    {
        if (_cdfLength.numel() == 0)
        {
            throw new InvalidOperationException("the entropy bottleneck has no tables yet: call Update() after training (and the auxiliary loss)");
        }

        return FrozenCdfTables.FromTensors(_quantizedCdf, _offset, _cdfLength);
    }

    /// <summary>
    /// Passes <paramref name="input"/> (N, C, …) through the bottleneck: with uniform noise in training mode, rounded
    /// around the medians in evaluation mode. The likelihoods (same shape) are the density's mass over the unit bin of
    /// each output, at least <see cref="LikelihoodBound"/>.
    /// </summary>
    public override (Tensor Output, Tensor Likelihoods) forward(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        long[] permutation = ChannelFirstPermutation(input.dim());
        Tensor values = input.permute(permutation);
        long[] channelFirstShape = values.shape;
        values = values.reshape(Channels, 1, -1);
        Tensor outputs;
        if (training)
        {
            outputs = values.Plus(empty_like(values).uniform_(-0.5, 0.5));
        }
        else
        {
            Tensor medians = _quantiles.select(2, 1).unsqueeze(2).detach();
            outputs = values.sub(medians).round().Plus(medians);
        }

        Tensor likelihood = LowerBoundFunction.Apply(Likelihood(outputs, stopGradient: false), LikelihoodBound);
        Tensor output = outputs.reshape(channelFirstShape).permute(permutation).contiguous();
        likelihood = likelihood.reshape(channelFirstShape).permute(permutation).contiguous();
        return (output.MoveToOuterDisposeScope(), likelihood.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The auxiliary loss: Σ |logits_cumulative(quantiles) − target|, with the density's parameters held fixed, so that
    /// the quantiles move to the points where the CDF is tailMass/2, ½ and 1 − tailMass/2. Minimize it (e.g. Adam, 1e-3)
    /// alongside or after the main loss.
    /// </summary>
    public Tensor AuxiliaryLoss()
    {
        using var scope = NewDisposeScope();
        Tensor logits = LogitsCumulative(_quantiles, stopGradient: true);
        return logits.sub(_target).abs().sum().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Freezes the tables from the current density and quantiles (CompressAI's <c>update()</c>, spec/nic-model.md §6.1):
    /// for channel c with median m, minima = ⌈m − lower⌉ and maxima = ⌈upper − m⌉ (both at least 0); the pmf of the
    /// values −minima … maxima is the density's mass over unit bins centred on m + k (evaluated in binary64), the escape
    /// gets the mass below the first bin and above the last, and <see cref="QuantizedCdf.FromPmf"/> quantizes it.
    /// </summary>
    /// <returns>The new tables.</returns>
    /// <exception cref="InvalidOperationException">A channel's range exceeds what a table can hold, or the quantiles are not finite.</exception>
    public QuantizedCdfTables Update()
    {
        float[] quantiles = TensorData.ToArray<float>(_quantiles);
        var pmfs = new double[Channels][];
        var tails = new double[Channels];
        var offsets = new int[Channels];
        var starts = new double[Channels];
        var lengths = new int[Channels];
        int maxLength = 0;
        for (int c = 0; c < Channels; c++)
        {
            float lower = quantiles[3 * c], median = quantiles[(3 * c) + 1], upper = quantiles[(3 * c) + 2];
            double minima = Math.Max(0, Math.Ceiling(median - lower));
            double maxima = Math.Max(0, Math.Ceiling(upper - median));
            if (!double.IsFinite(minima) || !double.IsFinite(maxima) || minima + maxima + 1 > Nic.Codec.Entropy.QuantizedCdf.MaxSymbols)
            {
                throw new InvalidOperationException($"channel {c}: quantiles ({lower}, {median}, {upper}) give a table too large to build");
            }

            offsets[c] = -(int)minima;
            starts[c] = median - minima;
            lengths[c] = (int)(minima + maxima + 1);
            maxLength = Math.Max(maxLength, lengths[c]);
        }

        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor samples = TensorArithmetic.Arange(0, maxLength, ScalarType.Float64).unsqueeze(0).Plus(tensor(starts).unsqueeze(1)).unsqueeze(1);
            Tensor lowerLogits = LogitsCumulative(samples.Minus(0.5), stopGradient: true);
            Tensor upperLogits = LogitsCumulative(samples.Plus(0.5), stopGradient: true);
            double[] pmf = TensorData.ToArray<double>(BinMass(lowerLogits, upperLogits));
            double[] lowerTail = TensorData.ToArray<double>(nn.functional.sigmoid(lowerLogits));
            double[] upperTail = TensorData.ToArray<double>(nn.functional.sigmoid(upperLogits.neg()));
            for (int c = 0; c < Channels; c++)
            {
                pmfs[c] = pmf.AsSpan(c * maxLength, lengths[c]).ToArray();
                tails[c] = lowerTail[c * maxLength] + upperTail[(c * maxLength) + lengths[c] - 1];
            }
        }

        QuantizedCdfTables tables = QuantizedCdfTables.FromPmfs(pmfs, tails, offsets);
        LoadTables(tables);
        return tables;
    }

    /// <summary>Replaces the frozen tables (e.g. with those of a model file); they must have one table per channel.</summary>
    /// <exception cref="ArgumentException">The table count is not <see cref="Channels"/>.</exception>
    public void LoadTables(QuantizedCdfTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count != Channels)
        {
            throw new ArgumentException($"the bottleneck has {Channels} channels; {tables.Count} tables were given", nameof(tables));
        }

        (Tensor cdf, Tensor offset, Tensor length) = FrozenCdfTables.ToTensors(tables);
        using (no_grad())
        {
            ReplaceContents(_quantizedCdf, cdf);
            ReplaceContents(_offset, offset);
            ReplaceContents(_cdfLength, length);
        }

        cdf.Dispose();
        offset.Dispose();
        length.Dispose();
    }

    /// <summary>
    /// The form of the strings <see cref="Compress"/> writes and <see cref="Decompress"/> reads:
    /// <see cref="RansStreamForm.Standard"/> (the default, the form of <c>.nic</c> bands) or <see cref="RansStreamForm.Compact"/>,
    /// which makes a short string cost its information plus a few bits (spec/nic-coding.md §2.7).
    /// </summary>
    public RansStreamForm StreamForm { get; set; } = RansStreamForm.Standard;

    /// <summary>
    /// Codes each batch element of <paramref name="input"/> (N, C, H, W) as one stream (spec/nic-coding.md §10.1):
    /// <c>round(x − median)</c> under the channel's frozen table.
    /// </summary>
    /// <exception cref="InvalidOperationException">There are no tables yet.</exception>
    /// <exception cref="ArgumentException">The shape is wrong or an element is not finite.</exception>
    public byte[][] Compress(Tensor input)
    {
        CheckInput(input);
        if (input.dim() != 4)
        {
            throw new ArgumentException($"Compress takes (N, {Channels}, H, W); got {TensorData.Shape(input)}", nameof(input));
        }

        EntropyBottleneckCoder coder = Coder();
        int batch = (int)input.shape[0], height = (int)input.shape[2], width = (int)input.shape[3];
        float[] data = TensorData.ToArray<float>(input.to_type(ScalarType.Float32));
        int elementSize = Channels * height * width;
        var strings = new byte[batch][];
        for (int n = 0; n < batch; n++)
        {
            var latent = new FeatureMap(Channels, height, width, data.AsSpan(n * elementSize, elementSize).ToArray());
            strings[n] = coder.Compress(latent, StreamForm, out _);
        }

        return strings;
    }

    /// <summary>Decodes streams made by <see cref="Compress"/> into (N, C, H, W), N = <c>strings.Length</c>.</summary>
    /// <exception cref="InvalidOperationException">There are no tables yet.</exception>
    /// <exception cref="Nic.Codec.NicCodecException">A stream is damaged.</exception>
    public Tensor Decompress(IReadOnlyList<byte[]> strings, (int Height, int Width) size)
    {
        ArgumentNullException.ThrowIfNull(strings);
        ArgumentOutOfRangeException.ThrowIfLessThan(size.Height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size.Width, 1);
        EntropyBottleneckCoder coder = Coder();
        int elementSize = checked(Channels * size.Height * size.Width);
        var data = new float[checked(strings.Count * elementSize)];
        for (int n = 0; n < strings.Count; n++)
        {
            FeatureMap latent = coder.Decompress(strings[n] ?? throw new ArgumentException($"string {n} is null", nameof(strings)), size.Height, size.Width, StreamForm);
            latent.Data.CopyTo(data, n * elementSize);
        }

        return tensor(data, [strings.Count, Channels, size.Height, size.Width]);
    }

    /// <summary>The density's mass over [x − ½, x + ½] for inputs [C, 1, K]; differentiable unless <paramref name="stopGradient"/>.</summary>
    internal Tensor Likelihood(Tensor inputs, bool stopGradient)
    {
        using var scope = NewDisposeScope();
        Tensor lower = LogitsCumulative(inputs.Minus(0.5), stopGradient);
        Tensor upper = LogitsCumulative(inputs.Plus(0.5), stopGradient);
        return BinMass(lower, upper).MoveToOuterDisposeScope();
    }

    /// <summary>The logits of the cumulative density at inputs [C, 1, K] (in the inputs' element type).</summary>
    internal Tensor LogitsCumulative(Tensor inputs, bool stopGradient)
    {
        using var scope = NewDisposeScope();
        Tensor logits = inputs;
        for (int k = 0; k < _matrices.Length; k++)
        {
            Tensor matrix = Cast(_matrices[k], inputs, stopGradient).Softplus();
            logits = matmul(matrix, logits).Plus(Cast(_biases[k], inputs, stopGradient));
            if (k < _factors.Length)
            {
                Tensor factor = Cast(_factors[k], inputs, stopGradient).tanh();
                logits = logits.Plus(factor.mul(logits.tanh()));
            }
        }

        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>|σ(s·upper) − σ(s·lower)| with s = −sign(lower + upper): the difference taken in the tail where it is exact.</summary>
    private static Tensor BinMass(Tensor lower, Tensor upper)
    {
        using var scope = NewDisposeScope();
        Tensor sign = lower.Plus(upper).sign().neg().detach();
        Tensor mass = nn.functional.sigmoid(sign.mul(upper)).sub(nn.functional.sigmoid(sign.mul(lower))).abs();
        return mass.MoveToOuterDisposeScope();
    }

    private static Tensor Cast(Parameter parameter, Tensor like, bool stopGradient)
    {
        Tensor value = stopGradient ? parameter.detach() : parameter;
        return value.dtype == like.dtype ? value : value.to_type(like.dtype);
    }

    private static void ReplaceContents(Tensor buffer, Tensor source)
    {
        // The copy is a temporary that nothing else references while set_ runs: the dispose scope holds it until the
        // buffer has taken its storage, so that a collection on another thread cannot finalize it mid-call (the fault
        // TensorArithmetic explains, for tensors).
        using var scope = NewDisposeScope();
        buffer.set_(source.clone());
    }

    private static long[] ChannelFirstPermutation(long dims)
    {
        var permutation = new long[dims];
        permutation[0] = 1;
        permutation[1] = 0;
        for (int i = 2; i < dims; i++)
        {
            permutation[i] = i;
        }

        return permutation;
    }

    private void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() < 2 || input.shape[1] != Channels)
        {
            throw new ArgumentException($"the bottleneck takes (N, {Channels}, …); got {TensorData.Shape(input)}", nameof(input));
        }
    }

    private EntropyBottleneckCoder Coder() => new(Tables(), Medians());
}
