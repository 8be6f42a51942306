using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.EntropyModels;

/// <summary>
/// The channel-conditional Gaussian conditional of <c>mbt2018-mean-cc</c> (spec/nic-coding.md §10.3, spec/nic-model.md
/// §4.6): codes y band by band like <see cref="GaussianConditionalCoder"/> — one stream per band, elements in the order
/// channel, row, column, under the tables of the model's scale table — but the scales and means of slice k ≥ 1 of the
/// channels are h_s's refined by the network <c>context.{k}</c> from the band's decoded slices 0 … k − 1. The networks
/// run on the managed engine's layers in the reference arithmetic (spec/nic-model.md §10), and every other operation of
/// the rule is one correctly rounded binary32 operation written out below, so encoder and decoder pick the same tables
/// and centres on every machine, vector width and thread count. A band never reads another band's rows: each band is
/// coded and decoded alone. Thread-safe (bands may be coded in parallel).
/// </summary>
internal sealed class ChannelContextCoder
{
    /// <summary>The most bytes of the networks' buffers the coder keeps for the next band.</summary>
    public const long MaxPooledBytes = 64L << 20;

    /// <summary>The least factor <c>max(1 + b, 1/16)</c> applies to a scale (spec/nic-coding.md §10.3).</summary>
    private const float MinScaleFactor = 1f / 16;

    private readonly QuantizedCdfTables _tables;
    private readonly float[] _scaleTable;
    private readonly SequentialLayers[] _networks;
    private readonly LayerContext _context;

    private ChannelContextCoder(NicModelFile file, SequentialLayers[] networks, int parallelism)
    {
        _tables = file.GaussianConditionalTables ?? throw new InvalidOperationException($"{file.Architecture} has no Gaussian conditional");
        _scaleTable = file.ScaleTable.ToArray();
        _networks = networks;
        Channels = file.HyperParameters.M;
        Slices = file.HyperParameters.ContextSlices;
        SliceChannels = Channels / Slices;
        _context = new LayerContext(parallelism, new BufferPool(MaxPooledBytes));
    }

    /// <summary>M, the channels of y.</summary>
    public int Channels { get; }

    /// <summary>S, the slices of y's channels.</summary>
    public int Slices { get; }

    /// <summary>C = M / S, the channels of a slice.</summary>
    public int SliceChannels { get; }

    /// <summary>
    /// The coder of a model with a channel-conditional context model, or null for an architecture without one.
    /// <paramref name="parallelism"/> bounds the threads of each context network's run; it never changes a result.
    /// </summary>
    public static ChannelContextCoder? FromModel(NicModelFile file, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        SequentialLayers[] networks = ModelNetworks.Context(file);
        return networks.Length == 0 ? null : new ChannelContextCoder(file, networks, parallelism);
    }

    /// <summary>
    /// Quantizes and codes the rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// of <paramref name="latent"/> as one independent stream, slice by slice, and writes their reconstruction into the
    /// same rows of <paramref name="quantized"/> (which the later slices' parameters are computed from).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes differ, the rows are out of range, or an element is not finite or rounds outside the 32-bit range.</exception>
    public byte[] CompressRows(FeatureMap latent, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(latent);
        Check(latent, parameters, firstRow, rowCount);
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, cancellationToken);
        int segment = walk.SegmentLength;
        int[] values = GC.AllocateUninitializedArray<int>(Slices * segment);
        int[] indexes = GC.AllocateUninitializedArray<int>(Slices * segment);
        try
        {
            for (int k = 0; k < Slices; k++)
            {
                walk.Prepare(k, indexes.AsSpan(k * segment, segment));
                walk.Quantize(k, latent, values.AsSpan(k * segment, segment));
                walk.Finish(k);
            }
        }
        finally
        {
            walk.Release();
        }

        return IndexedEntropyCoder.Encode(values, indexes, _tables);
    }

    /// <summary>
    /// Codes a band's integer symbols directly (round(y − μ) in coding order, e.g. extreme values): the stream
    /// <see cref="DecompressRows"/> decodes back to them. Their reconstruction is written into the band's rows of
    /// <paramref name="quantized"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The count does not match the band, or a shape differs.</exception>
    public byte[] EncodeSymbols(ReadOnlySpan<int> symbols, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, cancellationToken);
        int segment = walk.SegmentLength;
        if (symbols.Length != Slices * segment)
        {
            throw new ArgumentException($"{symbols.Length} symbols for a band of {Slices * segment}", nameof(symbols));
        }

        int[] indexes = GC.AllocateUninitializedArray<int>(Slices * segment);
        try
        {
            for (int k = 0; k < Slices; k++)
            {
                walk.Prepare(k, indexes.AsSpan(k * segment, segment));
                walk.Dequantize(k, symbols.Slice(k * segment, segment));
                walk.Finish(k);
            }
        }
        finally
        {
            walk.Release();
        }

        return IndexedEntropyCoder.Encode(symbols, indexes, _tables);
    }

    /// <summary>
    /// Decodes a band made by <see cref="CompressRows"/>: slice by slice, each slice's table indexes computed from the
    /// slices decoded before it (<see cref="IndexedEntropyCoder.DecodeSegments"/>), the reconstruction written into the
    /// band's rows of <paramref name="quantized"/>. Returns the band's symbols in coding order (channel, row, column).
    /// </summary>
    /// <exception cref="NicCodecException">The stream is damaged (<see cref="NicCodecError.EntropyPayloadTruncated"/>, <see cref="NicCodecError.EntropyPayloadCorrupt"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int[] DecompressRows(ReadOnlySpan<byte> data, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, cancellationToken);
        int segment = walk.SegmentLength;

        // Every element is written by the decoder before the array is returned.
        int[] values = GC.AllocateUninitializedArray<int>(Slices * segment);
        try
        {
            IndexedEntropyCoder.DecodeSegments(
                data,
                _tables,
                values,
                segment,
                (k, decoded, indexes) =>
                {
                    if (k > 0)
                    {
                        walk.Dequantize(k - 1, decoded[((k - 1) * segment)..]);
                        walk.Finish(k - 1);
                    }

                    walk.Prepare(k, indexes);
                },
                cancellationToken);
            walk.Dequantize(Slices - 1, values.AsSpan((Slices - 1) * segment));
        }
        finally
        {
            walk.Release();
        }

        return values;
    }

    /// <summary>
    /// The scales σ, means μ and table indexes under which a band whose reconstruction is already in
    /// <paramref name="quantized"/> is coded, in coding order (what the encoder and the decoder compute slice by slice;
    /// for tests and tools).
    /// </summary>
    internal (float[] Scales, float[] Means, int[] Indexes) BandParameters(EntropyParameters parameters, FeatureMap quantized, int firstRow, int rowCount)
    {
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, CancellationToken.None) { Record = true };
        int segment = walk.SegmentLength;
        var scales = new float[Slices * segment];
        var means = new float[Slices * segment];
        var indexes = new int[Slices * segment];
        try
        {
            for (int k = 0; k < Slices; k++)
            {
                walk.Prepare(k, indexes.AsSpan(k * segment, segment));
                walk.Scales.AsSpan(0, segment).CopyTo(scales.AsSpan(k * segment));
                walk.Means.AsSpan(0, segment).CopyTo(means.AsSpan(k * segment));
                walk.Finish(k);
            }
        }
        finally
        {
            walk.Release();
        }

        return (scales, means, indexes);
    }

    /// <summary>
    /// What coding one band of <paramref name="rows"/> × <paramref name="width"/> takes besides its symbols and indexes:
    /// the residuals of slices 0 … S − 2, one slice's means and scales, and every buffer of each context network on the
    /// band (the pool keeps them for the next band, up to <see cref="MaxPooledBytes"/>); and the longest single buffer.
    /// </summary>
    public (long Bytes, long LargestBufferElements) BandFootprint(int rows, int width)
    {
        long band = (long)rows * width;
        long residuals = (Slices - 1) * SliceChannels * band;
        long slice = 2L * SliceChannels * band;
        long networks = 0, largestNetwork = 0, largest = Math.Max(residuals, slice);
        for (int k = 1; k < Slices; k++)
        {
            LayerFootprint footprint = LayerMemory.Estimate(_networks[k - 1], k * SliceChannels, rows, width);
            networks += footprint.PeakBytes;
            largestNetwork = Math.Max(largestNetwork, footprint.PeakBytes);
            largest = Math.Max(largest, footprint.LargestBufferElements);
        }

        networks = Math.Min(networks, MaxPooledBytes + largestNetwork);
        return (((residuals + slice) * sizeof(float)) + networks, largest);
    }

    private void Check(FeatureMap map, EntropyParameters parameters, int firstRow, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(parameters);
        FeatureMap s = parameters.Scales;
        FeatureMap means = parameters.Means ?? throw new ArgumentException("the channel-conditional model needs h_s's means", nameof(parameters));
        if (s.Channels != Channels)
        {
            throw new ArgumentException($"the scales have {s.Channels} channels; the model's y has {Channels}", nameof(parameters));
        }

        foreach (FeatureMap other in new[] { map, means })
        {
            if ((other.Channels, other.Height, other.Width) != (s.Channels, s.Height, s.Width))
            {
                throw new ArgumentException($"a map of {other.Channels}×{other.Height}×{other.Width} does not match the scales' {s.Channels}×{s.Height}×{s.Width}");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rowCount, s.Height, nameof(rowCount));
    }

    /// <summary>
    /// One band coded slice by slice (spec/nic-coding.md §10.3): <see cref="Prepare"/> gives slice k its means and table
    /// indexes from h_s and the residuals of slices 0 … k − 1; the caller fills the slice's reconstruction (by
    /// <see cref="Quantize"/> or <see cref="Dequantize"/>); <see cref="Finish"/> turns it into the slice's residuals.
    /// </summary>
    private sealed class BandWalk
    {
        private readonly ChannelContextCoder _coder;
        private readonly FeatureMap _scales;
        private readonly FeatureMap _means;
        private readonly FeatureMap _quantized;
        private readonly int _firstOffset;
        private readonly int _rowCount;
        private readonly int _width;
        private readonly int _band;
        private readonly float _minScale;
        private readonly LayerContext _context;
        private readonly float[] _residuals;

        public BandWalk(ChannelContextCoder coder, EntropyParameters parameters, FeatureMap quantized, int firstRow, int rowCount, CancellationToken cancellationToken)
        {
            _coder = coder;
            _scales = parameters.Scales;
            _means = parameters.Means!;
            _quantized = quantized;
            _rowCount = rowCount;
            _width = quantized.Width;
            _firstOffset = firstRow * _width;
            _band = rowCount * _width;
            SegmentLength = coder.SliceChannels * _band;
            _minScale = coder._scaleTable[0];
            _context = coder._context with { CancellationToken = cancellationToken };
            _residuals = _context.Buffers.Rent((long)(coder.Slices - 1) * SegmentLength, zeroed: false);
            Means = _context.Buffers.Rent(SegmentLength, zeroed: false);
            Scales = _context.Buffers.Rent(SegmentLength, zeroed: false);
        }

        /// <summary>The elements of one slice of the band: C × rows × width.</summary>
        public int SegmentLength { get; }

        /// <summary>The current slice's means μ, in coding order.</summary>
        public float[] Means { get; }

        /// <summary>The current slice's scales σ, in coding order (made for every slice only when <see cref="Record"/>).</summary>
        public float[] Scales { get; }

        /// <summary>Whether <see cref="Prepare"/> writes slice 0's scales into <see cref="Scales"/> too (it needs only their indexes).</summary>
        public bool Record { get; init; }

        /// <summary>Slice <paramref name="k"/>'s means (into <see cref="Means"/>) and table indexes.</summary>
        public void Prepare(int k, Span<int> indexes)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            int c0 = k * _coder.SliceChannels;
            if (k == 0)
            {
                // Slice 0: h_s's parameters unchanged.
                for (int c = 0; c < _coder.SliceChannels; c++)
                {
                    int source = Offset(c0 + c), target = c * _band;
                    _means.Data.AsSpan(source, _band).CopyTo(Means.AsSpan(target));
                    ReadOnlySpan<float> scales = _scales.Data.AsSpan(source, _band);
                    ScaleIndexer.Index(scales, _coder._scaleTable, indexes.Slice(target, _band));
                    if (Record)
                    {
                        scales.CopyTo(Scales.AsSpan(target));
                    }
                }

                return;
            }

            // The network reads the residuals of slices 0 … k − 1 (k·C channels over the band's rows only: its zero
            // padding lies at the band's edges) and gives a (channels 0 … C − 1) and b (C … 2C − 1).
            FeatureMap input = _context.Buffers.RentMap(c0, _rowCount, _width);
            _residuals.AsSpan(0, input.Data.Length).CopyTo(input.Data);
            FeatureMap output = _coder._networks[k - 1].Forward(input, _context);
            _context.Buffers.Return(input.Data);
            float[] ab = output.Data;
            int shifts = _coder.SliceChannels * _band;
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int i = 0; i < _band; i++)
                {
                    float sigma = ScaleFloor(_scales.Data[source + i]);
                    float a = ab[target + i], b = ab[shifts + target + i];
                    Means[target + i] = _means.Data[source + i] + (sigma * a);
                    float factor = 1f + b;
                    Scales[target + i] = sigma * (factor > MinScaleFactor ? factor : MinScaleFactor);
                }
            }

            _context.Buffers.Return(ab);
            ScaleIndexer.Index(Scales.AsSpan(0, SegmentLength), _coder._scaleTable, indexes);
        }

        /// <summary>Encoder: slice <paramref name="k"/>'s symbols round(y − μ) into <paramref name="values"/>, and its reconstruction.</summary>
        public void Quantize(int k, FeatureMap latent, Span<int> values)
        {
            int c0 = k * _coder.SliceChannels;
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int i = 0; i < _band; i++)
                {
                    float mean = Means[target + i];
                    int value = LatentQuantizer.Quantize(latent.Data[source + i], mean, source + i);
                    values[target + i] = value;
                    _quantized.Data[source + i] = LatentQuantizer.Dequantize(value, mean);
                }
            }
        }

        /// <summary>Slice <paramref name="k"/>'s reconstruction symbol + μ from its symbols (the first <see cref="SegmentLength"/> of <paramref name="values"/>).</summary>
        public void Dequantize(int k, ReadOnlySpan<int> values)
        {
            int c0 = k * _coder.SliceChannels;
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int i = 0; i < _band; i++)
                {
                    _quantized.Data[source + i] = LatentQuantizer.Dequantize(values[target + i], Means[target + i]);
                }
            }
        }

        /// <summary>Slice <paramref name="k"/>'s residuals e = (ŷ − μ_hs) / σ′, which the later slices' networks read.</summary>
        public void Finish(int k)
        {
            if (k == _coder.Slices - 1)
            {
                return;
            }

            int c0 = k * _coder.SliceChannels;
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = (c0 + c) * _band;
                for (int i = 0; i < _band; i++)
                {
                    _residuals[target + i] = (_quantized.Data[source + i] - _means.Data[source + i]) / ScaleFloor(_scales.Data[source + i]);
                }
            }
        }

        /// <summary>Gives the band's buffers back to the coder's pool.</summary>
        public void Release()
        {
            _context.Buffers.Return(_residuals);
            _context.Buffers.Return(Means);
            _context.Buffers.Return(Scales);
        }

        /// <summary>σ′ = σ when σ &gt; scale_table[0], else scale_table[0] (NaN too): the scale the rule divides and multiplies by.</summary>
        private float ScaleFloor(float sigma) => sigma > _minScale ? sigma : _minScale;

        /// <summary>The offset in a latent-shaped map of channel <paramref name="channel"/>'s first band row.</summary>
        private int Offset(int channel) => (channel * _quantized.PlaneSize) + _firstOffset;
    }
}
