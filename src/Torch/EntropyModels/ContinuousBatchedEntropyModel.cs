using Nic.Codec.Entropy;
using Nic.Codec.EntropyModels;
using Nic.Torch.Layers;
using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// TF Compression's <c>ContinuousBatchedEntropyModel</c>: a latent whose last <see cref="CodingRank"/> dimensions are
/// coded together under a prior with one independent distribution per element of the prior's batch shape (the trailing
/// dimensions of the coded block; any extra leading coded dimensions share them). The rate is the information content in
/// bits, summed over the coded dimensions. Values are quantized as <c>round(y − o) + o</c> with the quantization
/// offset <c>o = loc − round(loc)</c> (0 for a zero-located prior).
/// </summary>
/// <remarks>
/// The integer tables for <see cref="Compress"/> are built from the prior's values the first time they are needed
/// (one per prior element: the values within ±⌈s · q⌉ of round(loc), q the base distribution's 1 − tailMass/2
/// quantile, quantized by <see cref="QuantizedCdf.FromPmf"/> with the escape carrying the mass beyond); create a new
/// model when the prior has changed.
/// </remarks>
public sealed class ContinuousBatchedEntropyModel
{
    private readonly int _priorRank;
    private readonly int _priorCount;
    private QuantizedCdfTables? _tables;
    private float[]? _offsets;

    /// <summary>Creates the model.</summary>
    /// <param name="prior">The noisy prior; its batch shape is the trailing shape of every coded block.</param>
    /// <param name="codingRank">The number of trailing dimensions coded as one unit (one string, one rate).</param>
    /// <param name="tailMass">The probability left to the escape in each table.</param>
    /// <param name="likelihoodBound">The smallest likelihood the rate uses (a lower bound that still passes gradients).</param>
    public ContinuousBatchedEntropyModel(UniformNoisePrior prior, int codingRank, double tailMass = 1e-9, double likelihoodBound = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (codingRank < prior.BatchShape.Count)
        {
            throw new ArgumentException($"the coding rank ({codingRank}) must be at least the prior's batch rank ({prior.BatchShape.Count})", nameof(codingRank));
        }

        if (!(tailMass > 0 && tailMass < 1) || !(likelihoodBound >= 0))
        {
            throw new ArgumentException($"tailMass must lie in (0, 1) and likelihoodBound be non-negative; got {tailMass}, {likelihoodBound}");
        }

        Prior = prior;
        CodingRank = codingRank;
        TailMass = tailMass;
        LikelihoodBound = likelihoodBound;
        _priorRank = prior.BatchShape.Count;
        _priorCount = (int)prior.BatchShape.Aggregate(1L, (a, b) => a * b);
    }

    /// <summary>The prior.</summary>
    public UniformNoisePrior Prior { get; }

    /// <summary>The number of trailing dimensions coded together.</summary>
    public int CodingRank { get; }

    /// <summary>The escape's probability in each table.</summary>
    public double TailMass { get; }

    /// <summary>The lower bound of the likelihoods in the rate.</summary>
    public double LikelihoodBound { get; }

    /// <summary>
    /// The form of the strings <see cref="Compress"/> writes and <see cref="Decompress"/> reads:
    /// <see cref="RansStreamForm.Standard"/> (the default) or <see cref="RansStreamForm.Compact"/>, which makes a short
    /// string cost its information plus a few bits (spec/nic-coding.md §2.7).
    /// </summary>
    public RansStreamForm StreamForm { get; init; } = RansStreamForm.Standard;

    /// <summary>
    /// Noisy (training) or quantized (evaluation) values and their rate in bits, one per coded block: the shape of
    /// <paramref name="values"/> without its last <see cref="CodingRank"/> dimensions.
    /// </summary>
    public (Tensor Output, Tensor Bits) Forward(Tensor values, bool training)
    {
        CheckShape(values);
        using var scope = NewDisposeScope();
        Tensor output = training ? values.Plus(empty_like(values).uniform_(-0.5, 0.5)) : Quantize(values);
        Tensor likelihood = LowerBoundFunction.Apply(Prior.Likelihood(output), LikelihoodBound);
        long[] dims = Enumerable.Range((int)values.dim() - CodingRank, CodingRank).Select(d => (long)d).ToArray();
        Tensor bits = likelihood.log().sum(dims).DividedBy(-Math.Log(2));
        return (output.MoveToOuterDisposeScope(), bits.MoveToOuterDisposeScope());
    }

    /// <summary>round(y − o) + o, o the quantization offset of each prior element.</summary>
    public Tensor Quantize(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        Tensor offset = Prior.Location.detach().sub(Prior.Location.detach().round());
        return values.sub(offset).round().Plus(offset).MoveToOuterDisposeScope();
    }

    /// <summary>The frozen tables, one per prior element in row-major order.</summary>
    public QuantizedCdfTables Tables()
    {
        Build();
        return _tables!;
    }

    /// <summary>Codes each block of the last <see cref="CodingRank"/> dimensions as one string (row-major order).</summary>
    /// <exception cref="ArgumentException">The shape is wrong or a value is not finite.</exception>
    public byte[][] Compress(Tensor values)
    {
        CheckShape(values);
        Build();
        long blockSize = values.shape.Skip((int)values.dim() - CodingRank).Aggregate(1L, (a, b) => a * b);
        float[] data = TensorData.ToArray<float>(values.to_type(ScalarType.Float32));
        int blocks = (int)(data.Length / Math.Max(1, blockSize));
        int[] indexes = Indexes((int)blockSize);
        var strings = new byte[blocks][];
        var symbols = new int[blockSize];
        for (int b = 0; b < blocks; b++)
        {
            for (int i = 0; i < blockSize; i++)
            {
                symbols[i] = LatentQuantizer.Quantize(data[(b * blockSize) + i], _offsets![indexes[i]], (b * blockSize) + i);
            }

            strings[b] = IndexedEntropyCoder.Encode(symbols, indexes, _tables!, StreamForm);
        }

        return strings;
    }

    /// <summary>
    /// Decodes strings made by <see cref="Compress"/> into a tensor of shape (strings.Count, codingShape…).
    /// </summary>
    /// <param name="strings">One string per block.</param>
    /// <param name="codingShape">The shape of one block (<see cref="CodingRank"/> dimensions); the prior's batch shape when null.</param>
    /// <exception cref="Nic.Codec.NicCodecException">A string is damaged.</exception>
    public Tensor Decompress(IReadOnlyList<byte[]> strings, IReadOnlyList<long>? codingShape = null)
    {
        ArgumentNullException.ThrowIfNull(strings);
        long[] shape = (codingShape ?? Prior.BatchShape).ToArray();
        if (shape.Length != CodingRank || !shape.Skip(CodingRank - _priorRank).SequenceEqual(Prior.BatchShape) || shape.Any(d => d < 1))
        {
            throw new ArgumentException($"a block has {CodingRank} dimensions ending in the prior's [{string.Join(", ", Prior.BatchShape)}]; got [{string.Join(", ", shape)}]", nameof(codingShape));
        }

        Build();
        int blockSize = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        int[] indexes = Indexes(blockSize);
        var data = new float[checked(strings.Count * blockSize)];
        var symbols = new int[blockSize];
        for (int b = 0; b < strings.Count; b++)
        {
            IndexedEntropyCoder.Decode(strings[b] ?? throw new ArgumentException($"string {b} is null", nameof(strings)), indexes, _tables!, symbols, StreamForm);
            for (int i = 0; i < blockSize; i++)
            {
                data[(b * blockSize) + i] = LatentQuantizer.Dequantize(symbols[i], _offsets![indexes[i]]);
            }
        }

        return tensor(data, [strings.Count, .. shape]);
    }

    private int[] Indexes(int blockSize)
    {
        var indexes = new int[blockSize];
        for (int i = 0; i < blockSize; i++)
        {
            indexes[i] = i % _priorCount;
        }

        return indexes;
    }

    private void Build()
    {
        if (_tables is not null)
        {
            return;
        }

        double[] locations, scales;
        using (var scope = NewDisposeScope())
        {
            long[] batch = [.. Prior.BatchShape];
            locations = TensorData.ToArray<double>(Prior.Location.detach().to_type(ScalarType.Float64).expand(batch));
            scales = TensorData.ToArray<double>(Prior.Scale.detach().to_type(ScalarType.Float64).expand(batch));
        }

        double reach = Prior.LowerTailDistance(TailMass / 2);
        var pmfs = new double[_priorCount][];
        var tails = new double[_priorCount];
        var offsets = new int[_priorCount];
        var quantizationOffsets = new float[_priorCount];
        for (int t = 0; t < _priorCount; t++)
        {
            double s = scales[t];
            float location = (float)locations[t];
            float centreValue = MathF.Round(location, MidpointRounding.ToEven);
            if (!(s > 0) || !double.IsFinite(s) || !float.IsFinite(location) || Math.Abs(centreValue) > 1 << 30)
            {
                throw new InvalidOperationException($"prior element {t} has location {location} and scale {s}; tables need a finite location and a positive finite scale");
            }

            int centre = (int)Math.Ceiling(s * reach);
            if (2L * centre + 1 > QuantizedCdf.MaxSymbols)
            {
                throw new InvalidOperationException($"prior element {t}: scale {s} needs {(2L * centre) + 1} symbols, more than a table holds");
            }

            var pmf = new double[(2 * centre) + 1];
            for (int k = 0; k <= centre; k++)
            {
                double p = Prior.StandardCdf((0.5 - k) / s) - Prior.StandardCdf((-0.5 - k) / s);
                pmf[centre - k] = p;
                pmf[centre + k] = p;
            }

            pmfs[t] = pmf;
            tails[t] = 2 * Prior.StandardCdf((-0.5 - centre) / s);
            offsets[t] = (int)centreValue - centre;
            quantizationOffsets[t] = location - centreValue;
        }

        _tables = QuantizedCdfTables.FromPmfs(pmfs, tails, offsets);
        _offsets = quantizationOffsets;
    }

    private void CheckShape(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dim() < CodingRank || !values.shape.Skip((int)values.dim() - _priorRank).SequenceEqual(Prior.BatchShape))
        {
            throw new ArgumentException($"values must have at least {CodingRank} dimensions and end in the prior's [{string.Join(", ", Prior.BatchShape)}]; got {TensorData.Shape(values)}", nameof(values));
        }
    }
}
