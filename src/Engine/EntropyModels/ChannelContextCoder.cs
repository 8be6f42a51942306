using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.EntropyModels;

/// <summary>
/// The channel-conditional Gaussian conditional of <c>mbt2018-mean-cc</c> (spec/nic-coding.md §10.3, spec/nic-model.md
/// §4.6): codes y band by band like <see cref="GaussianConditionalCoder"/> — one stream per band, elements in the order
/// channel, row, column, under the tables of the model's scale table — but the scales and means of slice k ≥ 1 of the
/// channels are h_s's refined by the network <c>context.{k}</c> from the band's decoded slices 0 … k − 1. With
/// <c>context_checkerboard</c> = 1 each slice is coded in two passes — its anchors ((row − first row + column) even) as
/// above, then its other elements under <c>spatial.{k}</c>, which also reads the slice's decoded anchors — and the
/// stream holds, per slice, the anchors in (channel, row, column) order, then the others. The networks
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
        Checkerboard = file.HyperParameters.ContextCheckerboard == 1;
        _context = new LayerContext(parallelism, new BufferPool(MaxPooledBytes));
    }

    /// <summary>M, the channels of y.</summary>
    public int Channels { get; }

    /// <summary>S, the slices of y's channels.</summary>
    public int Slices { get; }

    /// <summary>C = M / S, the channels of a slice.</summary>
    public int SliceChannels { get; }

    /// <summary>Whether each slice is coded in two checkerboard passes, anchors then the others (<c>context_checkerboard</c> = 1).</summary>
    public bool Checkerboard { get; }

    /// <summary>The coding passes of one slice: 2 with the checkerboard, else 1.</summary>
    private int Passes => Checkerboard ? 2 : 1;

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
    /// of <paramref name="latent"/> as one independent stream, slice by slice (and pass by pass), and writes their
    /// reconstruction into the same rows of <paramref name="quantized"/> (which the later parameters are computed from).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes differ, the rows are out of range, or an element is not finite or rounds outside the 32-bit range.</exception>
    public byte[] CompressRows(FeatureMap latent, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(latent);
        Check(latent, parameters, firstRow, rowCount);
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, cancellationToken);
        int total = Slices * walk.SegmentLength;
        int[] values = GC.AllocateUninitializedArray<int>(total);
        int[] indexes = GC.AllocateUninitializedArray<int>(total);
        try
        {
            walk.Run((pass, start, length) =>
            {
                walk.Index(pass, indexes.AsSpan(start, length));
                walk.Quantize(pass, latent, values.AsSpan(start, length));
            });
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
        int total = Slices * walk.SegmentLength;
        if (symbols.Length != total)
        {
            throw new ArgumentException($"{symbols.Length} symbols for a band of {total}", nameof(symbols));
        }

        int[] values = symbols.ToArray();
        int[] indexes = GC.AllocateUninitializedArray<int>(total);
        try
        {
            walk.Run((pass, start, length) =>
            {
                walk.Index(pass, indexes.AsSpan(start, length));
                walk.Dequantize(pass, values.AsSpan(start, length));
            });
        }
        finally
        {
            walk.Release();
        }

        return IndexedEntropyCoder.Encode(values, indexes, _tables);
    }

    /// <summary>
    /// Decodes a band made by <see cref="CompressRows"/>: pass by pass, each pass's table indexes computed from the
    /// values decoded before it (<see cref="IndexedEntropyCoder.DecodeSegments(ReadOnlySpan{byte}, QuantizedCdfTables, Span{int}, ReadOnlySpan{int}, IndexedEntropyCoder.SegmentIndexer, CancellationToken)"/>),
    /// the reconstruction written into the band's rows of <paramref name="quantized"/>. Returns the band's symbols in
    /// coding order (slice; with the checkerboard, anchors then the others; channel, row, column).
    /// </summary>
    /// <exception cref="NicCodecException">The stream is damaged (<see cref="NicCodecError.EntropyPayloadTruncated"/>, <see cref="NicCodecError.EntropyPayloadCorrupt"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int[] DecompressRows(ReadOnlySpan<byte> data, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, cancellationToken);
        int passes = Passes;
        int[] lengths = new int[Slices * passes];
        for (int segment = 0; segment < lengths.Length; segment++)
        {
            lengths[segment] = walk.PassLength(segment % passes);
        }

        // Every element is written by the decoder before the array is returned.
        int[] values = GC.AllocateUninitializedArray<int>(Slices * walk.SegmentLength);
        try
        {
            IndexedEntropyCoder.DecodeSegments(
                data,
                _tables,
                values,
                lengths,
                (segment, decoded, indexes) =>
                {
                    // Segment g is pass g mod P of slice g / P: the pass before it is reconstructed (and its slice's
                    // residuals made when it was the slice's last pass), then this pass's parameters are computed.
                    (int k, int pass) = Math.DivRem(segment, passes);
                    if (segment > 0)
                    {
                        int previous = (segment - 1) % passes;
                        walk.Dequantize(previous, decoded[^lengths[segment - 1]..]);
                        if (previous == passes - 1)
                        {
                            walk.Finish(k - 1);
                        }
                    }

                    walk.Prepare(k, pass);
                    walk.Index(pass, indexes);
                },
                cancellationToken);
            walk.Dequantize(passes - 1, values.AsSpan(values.Length - lengths[^1]));
        }
        finally
        {
            walk.Release();
        }

        return values;
    }

    /// <summary>
    /// The scales σ, means μ and table indexes under which a band whose reconstruction is already in
    /// <paramref name="quantized"/> is coded, in coding order (what the encoder and the decoder compute pass by pass;
    /// for tests and tools).
    /// </summary>
    internal (float[] Scales, float[] Means, int[] Indexes) BandParameters(EntropyParameters parameters, FeatureMap quantized, int firstRow, int rowCount)
    {
        Check(quantized, parameters, firstRow, rowCount);
        var walk = new BandWalk(this, parameters, quantized, firstRow, rowCount, CancellationToken.None);
        int total = Slices * walk.SegmentLength;
        var scales = new float[total];
        var means = new float[total];
        var indexes = new int[total];
        try
        {
            walk.Run((pass, start, length) =>
            {
                walk.Index(pass, indexes.AsSpan(start, length));
                walk.Gather(pass, scales.AsSpan(start, length), means.AsSpan(start, length));
            });
        }
        finally
        {
            walk.Release();
        }

        return (scales, means, indexes);
    }

    /// <summary>
    /// What coding one band of <paramref name="rows"/> × <paramref name="width"/> takes besides its symbols and indexes:
    /// the residuals of slices 0 … S − 2, one slice's means and scales, with the checkerboard one pass's gathered scales
    /// and the band's element positions, and every buffer of each context network on the band (the pool keeps them for
    /// the next band, up to <see cref="MaxPooledBytes"/>); and the longest single buffer.
    /// </summary>
    public (long Bytes, long LargestBufferElements) BandFootprint(int rows, int width)
    {
        long band = (long)rows * width;
        long residuals = (Slices - 1) * SliceChannels * band;
        long slice = 2L * SliceChannels * band;
        long gathered = SliceChannels * ((band + 1) / 2);
        long positions = Checkerboard ? band : 0;
        long networks = 0, largestNetwork = 0, largest = Math.Max(Math.Max(residuals, slice), gathered);
        for (int i = 0; i < _networks.Length; i++)
        {
            // context.{k} (entry k − 1) reads k·C channels, spatial.{k} (entry S − 1 + k) (k + 1)·C.
            int inputSlices = i < Slices - 1 ? i + 1 : i - Slices + 2;
            LayerFootprint footprint = LayerMemory.Estimate(_networks[i], inputSlices * SliceChannels, rows, width);
            networks += footprint.PeakBytes;
            largestNetwork = Math.Max(largestNetwork, footprint.PeakBytes);
            largest = Math.Max(largest, footprint.LargestBufferElements);
        }

        networks = Math.Min(networks, MaxPooledBytes + largestNetwork);
        return (((residuals + slice + (Checkerboard ? gathered : 0) + positions) * sizeof(float)) + networks, largest);
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
    /// One band coded slice by slice and pass by pass (spec/nic-coding.md §10.3): <see cref="Prepare"/> gives pass p of
    /// slice k its means and scales (h_s's or <c>context.{k}</c>'s for the first pass, <c>spatial.{k}</c>'s for the
    /// checkerboard's second), <see cref="Index"/> their table indexes; the caller fills the pass's reconstruction (by
    /// <see cref="Quantize"/> or <see cref="Dequantize"/>); <see cref="Finish"/> turns the slice into its residuals.
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
        private readonly float[] _sliceMeans;
        private readonly float[] _sliceScales;

        /// <summary>With the checkerboard, the band's element positions (row · width + column): the anchors, then the others; else null (one pass over every position).</summary>
        private readonly int[]? _positions;

        /// <summary>With the checkerboard, a pass's scales in coding order (what <see cref="ScaleIndexer"/> reads); else null.</summary>
        private readonly float[]? _gathered;

        /// <summary>The anchors of the band (every position without the checkerboard).</summary>
        private readonly int _anchors;

        private int _slice = -1;

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
            _anchors = _band;
            if (coder.Checkerboard)
            {
                // Band-local coordinates: an anchor has (row − r₀ + column) even.
                _positions = new int[_band];
                _anchors = (_band + 1) / 2;
                int anchor = 0, other = _anchors;
                for (int i = 0; i < _band; i++)
                {
                    bool isAnchor = (((i / _width) + (i % _width)) & 1) == 0;
                    _positions[isAnchor ? anchor++ : other++] = i;
                }

                _gathered = _context.Buffers.Rent((long)coder.SliceChannels * _anchors, zeroed: false);
            }

            _residuals = _context.Buffers.Rent((long)(coder.Slices - 1) * SegmentLength, zeroed: false);
            _sliceMeans = _context.Buffers.Rent(SegmentLength, zeroed: false);
            _sliceScales = _context.Buffers.Rent(SegmentLength, zeroed: false);
        }

        /// <summary>The elements of one slice of the band: C × rows × width.</summary>
        public int SegmentLength { get; }

        /// <summary>
        /// Runs the band's passes in coding order: <paramref name="code"/>(pass, the pass's first element in the band's
        /// stream, its length) between preparing the pass and (after the slice's last pass) making the slice's residuals.
        /// </summary>
        public void Run(Action<int, int, int> code)
        {
            int start = 0;
            for (int k = 0; k < _coder.Slices; k++)
            {
                for (int pass = 0; pass < _coder.Passes; pass++)
                {
                    Prepare(k, pass);
                    code(pass, start, PassLength(pass));
                    start += PassLength(pass);
                }

                Finish(k);
            }
        }

        /// <summary>The elements of pass <paramref name="pass"/> of a slice: C × its positions.</summary>
        public int PassLength(int pass) => _coder.SliceChannels * PositionCount(pass);

        /// <summary>
        /// The means and scales of pass <paramref name="pass"/> of slice <paramref name="k"/>: pass 0 computes the
        /// whole slice's from h_s (k = 0) or <c>context.{k}</c>; the checkerboard's pass 1 replaces the non-anchors'
        /// by <c>spatial.{k}</c>'s, which reads the slice's reconstructed anchors.
        /// </summary>
        public void Prepare(int k, int pass)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            _slice = k;
            int c0 = k * _coder.SliceChannels;
            if (pass == 1)
            {
                PrepareOthers(k);
                return;
            }

            if (k == 0)
            {
                // Slice 0: h_s's parameters unchanged.
                for (int c = 0; c < _coder.SliceChannels; c++)
                {
                    int source = Offset(c0 + c), target = c * _band;
                    _means.Data.AsSpan(source, _band).CopyTo(_sliceMeans.AsSpan(target));
                    _scales.Data.AsSpan(source, _band).CopyTo(_sliceScales.AsSpan(target));
                }

                return;
            }

            // The network reads the residuals of slices 0 … k − 1 (k·C channels over the band's rows only: its zero
            // padding lies at the band's edges) and gives a (channels 0 … C − 1) and b (C … 2C − 1).
            FeatureMap input = _context.Buffers.RentMap(c0, _rowCount, _width);
            _residuals.AsSpan(0, input.Data.Length).CopyTo(input.Data);
            Apply(_coder._networks[k - 1], input, c0, 0, _band);
        }

        /// <summary>Pass <paramref name="pass"/>'s table indexes (<see cref="ScaleIndexer"/> of its scales) in coding order.</summary>
        public void Index(int pass, Span<int> indexes)
        {
            if (_gathered is null)
            {
                ScaleIndexer.Index(_sliceScales.AsSpan(0, SegmentLength), _coder._scaleTable, indexes);
                return;
            }

            Gather(pass, _gathered.AsSpan(0, indexes.Length), default);
            ScaleIndexer.Index(_gathered.AsSpan(0, indexes.Length), _coder._scaleTable, indexes);
        }

        /// <summary>Pass <paramref name="pass"/>'s scales and (when <paramref name="means"/> is not empty) means, in coding order.</summary>
        public void Gather(int pass, Span<float> scales, Span<float> means)
        {
            int count = PositionCount(pass);
            for (int c = 0, j = 0; c < _coder.SliceChannels; c++)
            {
                for (int p = 0; p < count; p++, j++)
                {
                    int element = (c * _band) + Position(pass, p);
                    scales[j] = _sliceScales[element];
                    if (!means.IsEmpty)
                    {
                        means[j] = _sliceMeans[element];
                    }
                }
            }
        }

        /// <summary>Encoder: the pass's symbols round(y − μ) into <paramref name="values"/> (coding order), and its reconstruction.</summary>
        public void Quantize(int pass, FeatureMap latent, Span<int> values)
        {
            int c0 = _slice * _coder.SliceChannels, count = PositionCount(pass);
            for (int c = 0, j = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int p = 0; p < count; p++, j++)
                {
                    int i = Position(pass, p);
                    float mean = _sliceMeans[target + i];
                    int value = LatentQuantizer.Quantize(latent.Data[source + i], mean, source + i);
                    values[j] = value;
                    _quantized.Data[source + i] = LatentQuantizer.Dequantize(value, mean);
                }
            }
        }

        /// <summary>The pass's reconstruction symbol + μ from its symbols (coding order).</summary>
        public void Dequantize(int pass, ReadOnlySpan<int> values)
        {
            int c0 = _slice * _coder.SliceChannels, count = PositionCount(pass);
            for (int c = 0, j = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int p = 0; p < count; p++, j++)
                {
                    int i = Position(pass, p);
                    _quantized.Data[source + i] = LatentQuantizer.Dequantize(values[j], _sliceMeans[target + i]);
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
                Residuals(c0 + c, _residuals.AsSpan((c0 + c) * _band, _band), anchorsOnly: false);
            }
        }

        /// <summary>Gives the band's buffers back to the coder's pool.</summary>
        public void Release()
        {
            _context.Buffers.Return(_residuals);
            _context.Buffers.Return(_sliceMeans);
            _context.Buffers.Return(_sliceScales);
            if (_gathered is not null)
            {
                _context.Buffers.Return(_gathered);
            }
        }

        /// <summary>
        /// The checkerboard's second pass of slice <paramref name="k"/>: <c>spatial.{k}</c> reads the residuals of slices
        /// 0 … k − 1 and slice k's residuals at its anchors (0 at the other elements), and its (a, b) give the
        /// non-anchors their means and scales by the rule of <see cref="Apply"/>.
        /// </summary>
        private void PrepareOthers(int k)
        {
            int c0 = k * _coder.SliceChannels;
            if (_anchors == _band)
            {
                return; // no other element (a 1 × 1 band): nothing to run the network for
            }

            FeatureMap input = _context.Buffers.RentMap(c0 + _coder.SliceChannels, _rowCount, _width);
            _residuals.AsSpan(0, c0 * _band).CopyTo(input.Data);
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                Residuals(c0 + c, input.Data.AsSpan((c0 + c) * _band, _band), anchorsOnly: true);
            }

            Apply(_coder._networks[_coder.Slices - 1 + k], input, c0, _anchors, _band);
        }

        /// <summary>
        /// Runs <paramref name="network"/> on <paramref name="input"/> (which it returns to the pool) and sets, at the
        /// positions <paramref name="from"/> … <paramref name="to"/> − 1 of the pass order, μ = μ_hs + σ′·a and
        /// σ = σ′·max′(1 + b, 1/16) for the slice whose first channel is <paramref name="c0"/>.
        /// </summary>
        private void Apply(SequentialLayers network, FeatureMap input, int c0, int from, int to)
        {
            FeatureMap output = network.Forward(input, _context);
            _context.Buffers.Return(input.Data);
            float[] ab = output.Data;
            int shifts = _coder.SliceChannels * _band;
            for (int c = 0; c < _coder.SliceChannels; c++)
            {
                int source = Offset(c0 + c), target = c * _band;
                for (int p = from; p < to; p++)
                {
                    int i = _positions is null ? p : _positions[p];
                    float sigma = ScaleFloor(_scales.Data[source + i]);
                    float a = ab[target + i], b = ab[shifts + target + i];
                    _sliceMeans[target + i] = _means.Data[source + i] + (sigma * a);
                    float factor = 1f + b;
                    _sliceScales[target + i] = sigma * (factor > MinScaleFactor ? factor : MinScaleFactor);
                }
            }

            _context.Buffers.Return(ab);
        }

        /// <summary>Channel <paramref name="channel"/>'s residuals (ŷ − μ_hs) / σ′ over the band into <paramref name="target"/>; with <paramref name="anchorsOnly"/>, 0 at the non-anchors.</summary>
        private void Residuals(int channel, Span<float> target, bool anchorsOnly)
        {
            int source = Offset(channel);
            if (anchorsOnly)
            {
                target.Clear();
            }

            int count = anchorsOnly ? _anchors : _band;
            for (int p = 0; p < count; p++)
            {
                int i = anchorsOnly ? _positions![p] : p;
                target[i] = (_quantized.Data[source + i] - _means.Data[source + i]) / ScaleFloor(_scales.Data[source + i]);
            }
        }

        /// <summary>The positions a pass covers: the anchors, the others, or (without the checkerboard) the whole band.</summary>
        private int PositionCount(int pass) => pass == 0 ? _anchors : _band - _anchors;

        /// <summary>The band position of the <paramref name="p"/>-th element of a channel in pass <paramref name="pass"/>.</summary>
        private int Position(int pass, int p) => _positions is null ? p : _positions[(pass * _anchors) + p];

        /// <summary>σ′ = σ when σ &gt; scale_table[0], else scale_table[0] (NaN too): the scale the rule divides and multiplies by.</summary>
        private float ScaleFloor(float sigma) => sigma > _minScale ? sigma : _minScale;

        /// <summary>The offset in a latent-shaped map of channel <paramref name="channel"/>'s first band row.</summary>
        private int Offset(int channel) => (channel * _quantized.PlaneSize) + _firstOffset;
    }
}
