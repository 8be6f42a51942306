using Nic.Codec.Entropy;
using Nic.Codec.EntropyModels;
using Nic.Torch.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// CompressAI's <c>GaussianConditional</c>: y modelled as N(μ, σ²) convolved with U(−½, ½), σ given per element
/// (by a hyper-synthesis transform). Training adds uniform noise; evaluation rounds around the means. Scales are
/// lower-bounded at the first entry of the scale table (0.11 by default) with gradients that pass when they raise σ,
/// likelihoods at 10⁻⁹. Buffers <c>scale_table</c>, <c>_quantized_cdf</c>, <c>_offset</c> and <c>_cdf_length</c>
/// hold the tables built by Nic.Codec's <see cref="GaussianCdfTables"/> (spec/nic-coding.md §6).
/// </summary>
public sealed class GaussianConditional : nn.Module
{
    /// <summary>The smallest likelihood reported (CompressAI's <c>likelihood_lower_bound</c>).</summary>
    public const double LikelihoodBound = 1e-9;

    private readonly Tensor _scaleTableBuffer;
    private readonly Tensor _quantizedCdf;
    private readonly Tensor _offset;
    private readonly Tensor _cdfLength;
    private float[] _scaleTable;
    private QuantizedCdfTables _tables;

    /// <summary>Creates the layer and its tables.</summary>
    /// <param name="scaleTable">Rising positive scales; 64 log-spaced from 0.11 to 256 when null.</param>
    /// <param name="tailMass">The escape's probability in each table.</param>
    public GaussianConditional(IReadOnlyList<double>? scaleTable = null, double tailMass = GaussianCdfTables.DefaultTailMass)
        : base(nameof(GaussianConditional))
    {
        double[] scales = scaleTable?.ToArray() ?? GaussianCdfTables.LogSpacedScales();
        for (int i = 1; i < scales.Length; i++)
        {
            if (!(scales[i] > scales[i - 1]))
            {
                throw new ArgumentException("the scale table must be strictly rising", nameof(scaleTable));
            }
        }

        _tables = GaussianCdfTables.Create(scales, tailMass);
        _scaleTable = scales.Select(s => (float)s).ToArray();
        ScaleBound = _scaleTable[0];
        (_quantizedCdf, _offset, _cdfLength) = FrozenCdfTables.ToTensors(_tables);
        _scaleTableBuffer = tensor(_scaleTable);
        register_buffer("scale_table", _scaleTableBuffer);
        register_buffer("_quantized_cdf", _quantizedCdf);
        register_buffer("_offset", _offset);
        register_buffer("_cdf_length", _cdfLength);
    }

    /// <summary>The lower bound of the scales: the first scale of the table.</summary>
    public float ScaleBound { get; private set; }

    /// <summary>The scale table (binary32, as stored).</summary>
    public IReadOnlyList<float> ScaleTable => _scaleTable;

    /// <summary>The frozen tables, one per scale.</summary>
    public QuantizedCdfTables Tables => _tables;

    /// <summary>
    /// Replaces the scale table and its frozen tables with stored ones (e.g. those of a model file, whose
    /// <c>gaussian_conditional.*</c> tensors are used as stored rather than rebuilt from the scales).
    /// </summary>
    /// <param name="scaleTable">The S scales, positive and strictly rising.</param>
    /// <param name="tables">One table per scale.</param>
    /// <exception cref="ArgumentException">The scales are not positive and strictly rising, or the table count is not S.</exception>
    public void LoadTables(IReadOnlyList<float> scaleTable, QuantizedCdfTables tables)
    {
        ArgumentNullException.ThrowIfNull(scaleTable);
        ArgumentNullException.ThrowIfNull(tables);
        if (scaleTable.Count == 0 || !(scaleTable[0] > 0) || !float.IsFinite(scaleTable[^1]))
        {
            throw new ArgumentException("the scale table must hold at least one positive finite scale", nameof(scaleTable));
        }

        for (int i = 1; i < scaleTable.Count; i++)
        {
            if (!(scaleTable[i] > scaleTable[i - 1]))
            {
                throw new ArgumentException("the scale table must be strictly rising", nameof(scaleTable));
            }
        }

        if (tables.Count != scaleTable.Count)
        {
            throw new ArgumentException($"{tables.Count} tables for {scaleTable.Count} scales", nameof(tables));
        }

        float[] scales = scaleTable.ToArray();
        (Tensor cdf, Tensor offset, Tensor length) = FrozenCdfTables.ToTensors(tables);
        // The dispose scope holds every temporary (the copies on the buffers' device and their clones) until set_ has
        // taken its storage: a temporary that nothing references could otherwise be finalized by a collection on
        // another thread while libtorch reads it (a crash in clone() under scripts/torch-gc-stress.sh).
        using (NewDisposeScope())
        using (no_grad())
        using (Tensor scaleTensor = tensor(scales))
        {
            _scaleTableBuffer.set_(scaleTensor.to(_scaleTableBuffer.device).clone());
            _quantizedCdf.set_(cdf.to(_quantizedCdf.device).clone());
            _offset.set_(offset.to(_offset.device).clone());
            _cdfLength.set_(length.to(_cdfLength.device).clone());
        }

        cdf.Dispose();
        offset.Dispose();
        length.Dispose();
        _scaleTable = scales;
        _tables = tables;
        ScaleBound = scales[0];
    }

    /// <summary>
    /// Noisy (training) or rounded (evaluation) values and their likelihoods, elementwise.
    /// </summary>
    /// <param name="inputs">y, any shape.</param>
    /// <param name="scales">σ, the shape of <paramref name="inputs"/>.</param>
    /// <param name="means">μ, the shape of <paramref name="inputs"/>; zero when null.</param>
    public (Tensor Output, Tensor Likelihoods) forward(Tensor inputs, Tensor scales, Tensor? means = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(scales);
        using var scope = NewDisposeScope();
        Tensor outputs;
        if (training)
        {
            outputs = inputs.Plus(empty_like(inputs).uniform_(-0.5, 0.5));
        }
        else
        {
            outputs = means is null ? inputs.round() : inputs.sub(means).round().Plus(means);
        }

        Tensor likelihood = LowerBoundFunction.Apply(Likelihood(outputs, scales, means), LikelihoodBound);
        return (outputs.MoveToOuterDisposeScope(), likelihood.MoveToOuterDisposeScope());
    }

    /// <summary>Φ((½ − |y − μ|)/σ) − Φ((−½ − |y − μ|)/σ) with σ lower-bounded at <see cref="ScaleBound"/>; differentiable.</summary>
    public Tensor Likelihood(Tensor values, Tensor scales, Tensor? means = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(scales);
        using var scope = NewDisposeScope();
        Tensor centred = (means is null ? values : values.sub(means)).abs();
        Tensor bounded = LowerBoundFunction.Apply(scales, ScaleBound);
        Tensor upper = StandardCumulative(centred.neg().Plus(0.5).div(bounded));
        Tensor lower = StandardCumulative(centred.neg().Minus(0.5).div(bounded));
        return upper.sub(lower).MoveToOuterDisposeScope();
    }

    /// <summary>Per element, the index of the table its scale selects (spec/nic-coding.md §6.1).</summary>
    public Tensor BuildIndexes(Tensor scales)
    {
        ArgumentNullException.ThrowIfNull(scales);
        float[] values = TensorData.ToArray<float>(scales.to_type(ScalarType.Float32));
        var indexes = new int[values.Length];
        ScaleIndexer.Index(values, _scaleTable, indexes);
        return tensor(indexes).reshape(scales.shape);
    }

    /// <summary>
    /// The form of the strings <see cref="Compress"/> writes and <see cref="Decompress"/> reads:
    /// <see cref="RansStreamForm.Standard"/> (the default, the form of <c>.nic</c> bands) or <see cref="RansStreamForm.Compact"/>,
    /// which makes a short string cost its information plus a few bits (spec/nic-coding.md §2.7).
    /// </summary>
    public RansStreamForm StreamForm { get; set; } = RansStreamForm.Standard;

    /// <summary>
    /// Codes each batch element (the first dimension) of <paramref name="inputs"/> as one stream: element by element in
    /// row-major order, <c>round(y − μ)</c> under the table its σ selects.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes differ, or a value is not finite.</exception>
    public byte[][] Compress(Tensor inputs, Tensor scales, Tensor? means = null)
    {
        (int batch, int size) = CheckCodingShapes(inputs, scales, means);
        float[] values = TensorData.ToArray<float>(inputs.to_type(ScalarType.Float32));
        float[] centres = means is null ? new float[values.Length] : TensorData.ToArray<float>(means.to_type(ScalarType.Float32));
        int[] indexes = TensorData.ToArray<int>(BuildIndexes(scales));
        var strings = new byte[batch][];
        var symbols = new int[size];
        for (int n = 0; n < batch; n++)
        {
            for (int i = 0; i < size; i++)
            {
                long position = ((long)n * size) + i;
                symbols[i] = LatentQuantizer.Quantize(values[position], centres[position], position);
            }

            strings[n] = IndexedEntropyCoder.Encode(symbols, indexes.AsSpan(n * size, size), _tables, StreamForm);
        }

        return strings;
    }

    /// <summary>Decodes streams made by <see cref="Compress"/>; the result has the shape of <paramref name="scales"/>.</summary>
    /// <exception cref="Nic.Codec.NicCodecException">A stream is damaged.</exception>
    public Tensor Decompress(IReadOnlyList<byte[]> strings, Tensor scales, Tensor? means = null)
    {
        ArgumentNullException.ThrowIfNull(strings);
        (int batch, int size) = CheckCodingShapes(scales, scales, means);
        if (strings.Count != batch)
        {
            throw new ArgumentException($"{strings.Count} strings for a batch of {batch}", nameof(strings));
        }

        float[] centres = means is null ? new float[batch * size] : TensorData.ToArray<float>(means.to_type(ScalarType.Float32));
        int[] indexes = TensorData.ToArray<int>(BuildIndexes(scales));
        var data = new float[batch * size];
        var symbols = new int[size];
        for (int n = 0; n < batch; n++)
        {
            IndexedEntropyCoder.Decode(strings[n] ?? throw new ArgumentException($"string {n} is null", nameof(strings)), indexes.AsSpan(n * size, size), _tables, symbols, StreamForm);
            for (int i = 0; i < size; i++)
            {
                data[(n * size) + i] = LatentQuantizer.Dequantize(symbols[i], centres[(n * size) + i]);
            }
        }

        return tensor(data).reshape(scales.shape);
    }

    private static Tensor StandardCumulative(Tensor x) => x.Times(-1 / Math.Sqrt(2)).erfc().Times(0.5);

    private static (int Batch, int Size) CheckCodingShapes(Tensor inputs, Tensor scales, Tensor? means)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(scales);
        if (inputs.dim() < 1 || !inputs.shape.SequenceEqual(scales.shape) || (means is not null && !means.shape.SequenceEqual(inputs.shape)))
        {
            throw new ArgumentException($"inputs {TensorData.Shape(inputs)}, scales {TensorData.Shape(scales)} and means {(means is null ? "(none)" : TensorData.Shape(means))} must have one shape with a batch dimension first");
        }

        int batch = (int)inputs.shape[0];
        return (batch, batch == 0 ? 0 : checked((int)(inputs.numel() / batch)));
    }
}
