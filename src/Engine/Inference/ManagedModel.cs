using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>
/// The networks of a model file running on the managed engine: g_a and h_a (encoder side), h_s (the entropy
/// parameters, bit-identical on every machine) and g_s (reconstruction, also in bands of latent rows whose result
/// equals the full-frame result exactly). Immutable and thread-safe; build once per model file and reuse.
/// </summary>
public sealed class ManagedModel : IInferenceBackend
{
    private readonly SequentialLayers _analysis;
    private readonly SequentialLayers _synthesis;
    private readonly SequentialLayers? _hyperAnalysis;
    private readonly SequentialLayers? _hyperSynthesis;
    private readonly SequentialLayers? _hyperSynthesisBody;
    private readonly (Conv2dLayer Scales, Conv2dLayer Means)? _hyperSynthesisHeads;
    private readonly LayerContext _context;

    private ManagedModel(NicModelFile file, int parallelism, ManagedArithmetic arithmetic)
    {
        File = file;
        Parallelism = parallelism;
        Arithmetic = arithmetic;
        _context = new LayerContext(parallelism, new BufferPool(MaxPooledBytes));
        _analysis = ModelNetworks.Analysis(file, arithmetic);
        _synthesis = ModelNetworks.Synthesis(file, arithmetic);
        _hyperAnalysis = ModelNetworks.HyperAnalysis(file, arithmetic);
        _hyperSynthesis = ModelNetworks.HyperSynthesis(file);
        _hyperSynthesisHeads = ModelNetworks.HyperSynthesisHeads(file);
        if (_hyperSynthesis is not null && _hyperSynthesisHeads is not null)
        {
            _hyperSynthesisBody = new SequentialLayers([.. _hyperSynthesis.Layers.Take(_hyperSynthesis.Layers.Count - 1)], _hyperSynthesis.Name);
        }
        ModelGeometry? geometry = file.Architecture.Geometry;
        (SynthesisFactor, SynthesisHalo) = geometry is null ? (0, 0) : (geometry.LatentFactor, geometry.SynthesisHalo);
        if (geometry is not null)
        {
            // The Winograd arithmetic's g_s reads more rows around a band than the definition's halo, from windows on its
            // tile grid (spec/nic-model.md §10.1).
            (int halo, SynthesisAlignment) = SynthesisStream.Reach(_synthesis);
            SynthesisHalo = Math.Max(SynthesisHalo, halo);
            Streams = SynthesisStream.CanStream(_synthesis);
        }
        OutputChannels = file.Architecture.ImageChannels;
    }

    /// <summary>The most bytes of intermediate buffers a model keeps for reuse between calls.</summary>
    public const long MaxPooledBytes = 384L << 20;

    /// <summary>
    /// Builds the networks of <paramref name="file"/> in the reference arithmetic (the reference decoder's; the codec's
    /// default backend, <see cref="ManagedBackendFactory"/>, takes the Winograd one: g_a's and g_s's largest convolutions
    /// by Winograd's minimal filtering, the rest of g_a, h_a and g_s fused).
    /// </summary>
    /// <param name="file">A loaded (and therefore validated) model file.</param>
    /// <param name="parallelism">The most threads one call may use; null for every processor. Never changes a result.</param>
    public static ManagedModel Create(NicModelFile file, int? parallelism = null) => Create(file, parallelism, ManagedArithmetic.Reference);

    /// <summary>Builds the networks of <paramref name="file"/> with g_a, h_a and g_s in <paramref name="arithmetic"/>.</summary>
    /// <param name="file">A loaded (and therefore validated) model file.</param>
    /// <param name="parallelism">The most threads one call may use; null for every processor. Never changes a result.</param>
    /// <param name="arithmetic">The arithmetic of g_a, h_a and g_s (spec/nic-model.md §10.2); h_s always takes the reference one.</param>
    public static ManagedModel Create(NicModelFile file, int? parallelism, ManagedArithmetic arithmetic)
    {
        ArgumentNullException.ThrowIfNull(file);
        int threads = parallelism ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(parallelism));
        if (!Enum.IsDefined(arithmetic))
        {
            throw new ArgumentOutOfRangeException(nameof(arithmetic));
        }

        return new ManagedModel(file, threads, arithmetic);
    }

    /// <summary>The arithmetic of g_a, h_a and g_s (spec/nic-model.md §10.2); h_s always takes the reference one.</summary>
    public ManagedArithmetic Arithmetic { get; }

    /// <summary>Where set, records every layer the next calls run (<c>nic bench transforms</c>; one call at a time).</summary>
    internal LayerProfiler? Profiler { get; set; }

    /// <summary>
    /// The multiply-adds of g_a, h_a, h_s, g_s and the context networks (if any) on a padded image of <paramref name="width"/> × <paramref name="height"/>
    /// (multiples of the architecture's alignment), each computed once: a band's halo rows are not counted. Zero for a
    /// network the model lacks; null for an architecture without an image latent (tfc-mnist).
    /// </summary>
    internal (long Analysis, long HyperAnalysis, long HyperSynthesis, long Synthesis, long Context)? MultiplyAdds(int width, int height)
    {
        if (File.Architecture.Geometry is not { } geometry)
        {
            return null;
        }

        int n = File.HyperParameters.N, m = File.HyperParameters.M;
        int latent = geometry.LatentFactor, hyperLatent = geometry.HyperLatentFactor;
        long analysis = LayerProfiler.MultiplyAdds(_analysis, File.Architecture.ImageChannels, height, width) ?? 0;
        long synthesis = LayerProfiler.MultiplyAdds(_synthesis, m, height / latent, width / latent) ?? 0;
        long hyperAnalysis = _hyperAnalysis is null ? 0 : LayerProfiler.MultiplyAdds(_hyperAnalysis, m, height / latent, width / latent) ?? 0;
        long hyperSynthesis = _hyperSynthesis is null ? 0 : LayerProfiler.MultiplyAdds(_hyperSynthesis, n, height / hyperLatent, width / hyperLatent) ?? 0;

        // A channel-conditional model's context networks (spec/nic-coding.md §10.3) run on every band's rows once, on
        // both sides: over all bands, context.{k} covers the whole latent with k·C input channels, and spatial.{k} (the
        // checkerboard passes) with (k + 1)·C.
        long context = 0;
        SequentialLayers[] networks = ModelNetworks.Context(File);
        int slices = File.HyperParameters.ContextSlices;
        for (int i = 0; i < networks.Length; i++)
        {
            int inputSlices = i < slices - 1 ? i + 1 : i - slices + 2;
            context += LayerProfiler.MultiplyAdds(networks[i], inputSlices * (m / slices), height / latent, width / latent) ?? 0;
        }

        return (analysis, hyperAnalysis, hyperSynthesis, synthesis, context);
    }

    /// <summary>The model file the networks come from.</summary>
    public NicModelFile File { get; }

    /// <summary>"managed", "managed-fused" or "managed-winograd", after <see cref="Arithmetic"/>.</summary>
    public string Name => ManagedBackendFactory.NameOf(Arithmetic);

    /// <summary>The most threads one call uses.</summary>
    public int Parallelism { get; }

    /// <summary>Whether the model has a hyperprior (h_a, h_s and a z substream).</summary>
    public bool HasHyperprior => _hyperSynthesis is not null;

    /// <summary>
    /// How many output rows (and columns) g_s makes of one latent row: the architecture's latent factor
    /// (<see cref="ModelGeometry.LatentFactor"/>, 16 for the image models). For an architecture without an image latent
    /// (tfc-mnist, whose synthesis starts with dense layers), 0: it synthesizes whole digits only.
    /// </summary>
    public int SynthesisFactor { get; }

    /// <summary>
    /// The latent rows added above and below a band so that banded synthesis equals full-frame synthesis: the definition's
    /// (<see cref="ModelGeometry.SynthesisHalo"/>), or in the Winograd arithmetic the more its g_s reads
    /// (<see cref="SynthesisStream.Reach"/>: 5 for the image models).
    /// </summary>
    public int SynthesisHalo { get; }

    /// <summary>The latent row (and column) a window of g_s starts at a multiple of: 2 for the image models in the Winograd arithmetic, else 1 (<see cref="SynthesisStream.Reach"/>).</summary>
    internal int SynthesisAlignment { get; } = 1;

    /// <summary>Whether g_s is streamed (<see cref="OpenSynthesisStream"/> gives a stream; the image models do, tfc-mnist does not).</summary>
    internal bool Streams { get; }

    /// <summary>g_a: the image (channels × height × width, values in [0, 1]) to the latent y.</summary>
    public FeatureMap Analyze(FeatureMap image) => Analyze(image, CancellationToken.None);

    /// <summary>g_a, stopping within milliseconds of <paramref name="cancellationToken"/> being cancelled.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public FeatureMap Analyze(FeatureMap image, CancellationToken cancellationToken) => RunOnce(_analysis, image, cancellationToken);

    /// <summary>
    /// g_a as a line-buffered stream (<see cref="AnalysisStream"/>) on an image of <paramref name="height"/> ×
    /// <paramref name="width"/> whose rows <paramref name="rows"/>(first row, row count, first column, column count) makes
    /// on demand (3 × rows × columns, values in [0, 1]; each vertical stripe of the stream asks for each row once, top to
    /// bottom, for its window's columns, and the stripes ask from their own threads, so it may be called concurrently): bit-identical to <see cref="Analyze(FeatureMap)"/> on the whole image, every row
    /// of every layer computed once (and the columns where the stripes' cones overlap once more), and neither the image's planes nor a
    /// layer's whole output held. Null for an analysis that is not convolutions and point-wise layers (tfc-mnist).
    /// </summary>
    /// <param name="height">The image's height.</param>
    /// <param name="width">The image's width.</param>
    /// <param name="rows">Writes a window of the image's rows into the stream's buffer.</param>
    /// <param name="cancellationToken">Looked at throughout.</param>
    /// <param name="chunkBytes">The output budget of one chunk of a layer, shared by the stripes.</param>
    /// <param name="stripes">The vertical stripes to cut the columns into, each on its own thread (default: one a thread of this model's <see cref="Parallelism"/>, as <see cref="ColumnStripes.Windows"/> allows).</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    internal FeatureMap? AnalyzeRows(int height, int width, RowSource rows, CancellationToken cancellationToken, long chunkBytes = AnalysisStream.DefaultChunkBytes, int? stripes = null)
    {
        AnalysisStream? stream = AnalysisStream.Create(_analysis, 3, height, width, rows, stripes ?? Parallelism, chunkBytes);
        if (stream is null)
        {
            return null;
        }

        try
        {
            return stream.Run(_context with { CancellationToken = cancellationToken, Profiler = Profiler });
        }
        finally
        {
            _context.Buffers.Clear();
        }
    }

    /// <summary>h_a: the latent y to the hyper-latent z (the scale hyperprior applies it to |y|).</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    public FeatureMap HyperAnalyze(FeatureMap y) => HyperAnalyze(y, CancellationToken.None);

    /// <summary>h_a, stopping within milliseconds of <paramref name="cancellationToken"/> being cancelled.</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public FeatureMap HyperAnalyze(FeatureMap y, CancellationToken cancellationToken)
    {
        SequentialLayers layers = _hyperAnalysis ?? throw new InvalidOperationException($"{File.Architecture} has no hyperprior");
        ArgumentNullException.ThrowIfNull(y);
        if (File.Architecture.HyperAnalysisTakesMagnitude)
        {
            var magnitude = new FeatureMap(y.Channels, y.Height, y.Width);
            for (int i = 0; i < y.Data.Length; i++)
            {
                magnitude.Data[i] = MathF.Abs(y.Data[i]);
            }

            y = magnitude;
        }

        return RunOnce(layers, y, cancellationToken);
    }

    /// <summary>
    /// h_s: the decoded hyper-latent ẑ to the entropy parameters of y. Bit-identical on every machine, for any
    /// <see cref="Parallelism"/> (spec/nic-model.md §10).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    public EntropyParameters HyperSynthesize(FeatureMap zHat) => HyperSynthesize(zHat, CancellationToken.None);

    /// <summary>h_s, stopping within milliseconds of <paramref name="cancellationToken"/> being cancelled.</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public EntropyParameters HyperSynthesize(FeatureMap zHat, CancellationToken cancellationToken)
    {
        SequentialLayers layers = _hyperSynthesis ?? throw new InvalidOperationException($"{File.Architecture} has no hyperprior");
        if (_hyperSynthesisBody is null || _hyperSynthesisHeads is not (Conv2dLayer scalesHead, Conv2dLayer meansHead))
        {
            return new EntropyParameters(RunOnce(layers, zHat, cancellationToken), null);
        }

        // Scales and means (mbt2018-mean): the layers before the last, then the last one's scale and mean channels as two
        // convolutions on the same input (ModelNetworks.HyperSynthesisHeads), so that no 2M-channel map is made and split.
        // The outputs are not given back to the pool: the caller keeps them.
        ArgumentNullException.ThrowIfNull(zHat);
        LayerContext context = _context with { CancellationToken = cancellationToken, Profiler = Profiler };
        try
        {
            FeatureMap x = _hyperSynthesisBody.Forward(zHat, context);
            int last = layers.Layers.Count - 1;
            FeatureMap Head(Conv2dLayer head) => context.Profiler is { } profiler ? profiler.Run(layers.Name, last, head, x, context) : head.Forward(x, context);
            FeatureMap scales = Head(scalesHead);
            FeatureMap means = Head(meansHead);
            return new EntropyParameters(scales, means);
        }
        finally
        {
            _context.Buffers.Clear();
        }
    }

    /// <summary>g_s on the whole latent: the reconstruction, before clamping and cropping.</summary>
    public FeatureMap Synthesize(FeatureMap yHat) => RunOnce(_synthesis, yHat, CancellationToken.None);

    /// <summary>
    /// g_s for the latent rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// only: the <see cref="SynthesisFactor"/>·rowCount output rows they own, bit-identical to the same rows of
    /// <see cref="Synthesize"/>. Memory grows with the band, not the image.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model cannot synthesize by rows (tfc-mnist).</exception>
    public FeatureMap SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount)
    {
        SynthesisBand.Check(this, yHat, firstRow, rowCount);
        var destination = new FeatureMap(OutputChannels, rowCount * SynthesisFactor, yHat.Width * SynthesisFactor);
        SynthesizeRows(yHat, firstRow, rowCount, destination);
        return destination;
    }

    /// <summary>
    /// As <see cref="SynthesizeRows(FeatureMap, int, int)"/>, into <paramref name="destination"/> (the output channels ×
    /// <see cref="SynthesisFactor"/>·rowCount × <see cref="SynthesisFactor"/>·width), so that a decoder can reuse one
    /// buffer for every band and allocate nothing per band.
    /// </summary>
    public void SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount, FeatureMap destination) =>
        SynthesizeRows(yHat, firstRow, rowCount, destination, CancellationToken.None);

    /// <summary>
    /// As <see cref="SynthesizeRows(FeatureMap, int, int, FeatureMap)"/>, stopping within milliseconds of
    /// <paramref name="cancellationToken"/> being cancelled (the destination is then incomplete).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public void SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount, FeatureMap destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        SynthesisBand.Check(this, yHat, firstRow, rowCount, destination);
        (int start, int count) = SynthesisBand.Window(this, yHat.Height, firstRow, rowCount);
        int aligned = start / SynthesisAlignment * SynthesisAlignment;
        (start, count) = (aligned, count + start - aligned);
        FeatureMap slice = _context.Buffers.RentMap(yHat.Channels, count, yHat.Width);
        for (int c = 0; c < yHat.Channels; c++)
        {
            yHat.Data.AsSpan(c * yHat.PlaneSize + start * yHat.Width, slice.PlaneSize).CopyTo(slice.Plane(c));
        }

        FeatureMap output = _synthesis.Forward(slice, _context with { CancellationToken = cancellationToken, Profiler = Profiler });
        _context.Buffers.Return(slice.Data);
        SynthesisBand.CopyOwnedRows(this, output, start, firstRow, destination);
        _context.Buffers.Return(output.Data);
    }

    /// <summary>
    /// g_s as a line-buffered pipeline on <paramref name="yHat"/> (whose rows may still be filling in): bands in order,
    /// each row of each layer computed once (the column stripes' halo columns twice), bit-identical to <see cref="SynthesizeRows(FeatureMap, int, int, FeatureMap)"/>;
    /// null for a synthesis that is not transposed convolutions and point-wise layers (tfc-mnist).
    /// </summary>
    /// <param name="yHat">ŷ.</param>
    /// <param name="chunkBytes">The output budget of one chunk of a layer, shared by the stripes.</param>
    /// <param name="stripes">The vertical stripes to cut the columns into, each on its own thread (default: one a thread of this model's <see cref="Parallelism"/>, as <see cref="ColumnStripes.Windows"/> allows).</param>
    internal SynthesisStream? OpenSynthesisStream(FeatureMap yHat, long chunkBytes = SynthesisStream.DefaultChunkBytes, int? stripes = null) =>
        SynthesisStream.Create(_synthesis, yHat, stripes ?? Parallelism, chunkBytes);

    /// <summary>The next band of <paramref name="stream"/> (see <see cref="SynthesisStream.Synthesize"/>), with this model's threads and buffers.</summary>
    internal void SynthesizeRows(SynthesisStream stream, int firstRow, int rowCount, int availableRows, FeatureMap destination, CancellationToken cancellationToken) =>
        stream.Synthesize(firstRow, rowCount, availableRows, destination, _context with { CancellationToken = cancellationToken, Profiler = Profiler });

    /// <summary>The channels g_s produces (and g_a takes): 3 for the image models, 1 for tfc-mnist.</summary>
    public int OutputChannels { get; }

    /// <summary>
    /// What g_s takes on a latent window of <paramref name="channels"/> × <paramref name="rows"/> × <paramref name="width"/>,
    /// before it runs; where the stream cuts that width into vertical stripes (<see cref="ColumnStripes.Windows"/>),
    /// every stripe's run on its window (its columns and the halo) with its share of the threads, and the stripe's output
    /// rows before its own columns are copied out.
    /// </summary>
    public LayerFootprint SynthesisFootprint(int channels, int rows, int width)
    {
        var windows = ColumnStripes.Windows(width, SynthesisHalo, Parallelism, SynthesisAlignment).ToArray();
        if (windows.Length == 1)
        {
            return LayerMemory.Estimate(_synthesis, channels, rows, width, Parallelism);
        }

        long bytes = 0, largest = 0;
        LayerFootprint stripe = default;
        foreach ((_, _, int windowFirst, int windowEnd) in windows)
        {
            stripe = LayerMemory.Estimate(_synthesis, channels, rows, windowEnd - windowFirst, ColumnStripes.ThreadsOfEach(Parallelism, windows.Length));
            long output = (long)stripe.Channels * stripe.Height * stripe.Width;
            bytes += stripe.PeakBytes + (output * sizeof(float));
            largest = Math.Max(largest, Math.Max(stripe.LargestBufferElements, output));
        }

        return new LayerFootprint(bytes, largest, stripe.Channels, stripe.Height, width * SynthesisFactor);
    }

    /// <summary>What h_s takes on a ẑ of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>, before it runs.</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    public LayerFootprint HyperSynthesisFootprint(int channels, int height, int width) =>
        LayerMemory.Estimate(_hyperSynthesis ?? throw new InvalidOperationException($"{File.Architecture} has no hyperprior"), channels, height, width);

    /// <summary>Runs a whole network once, then drops the pooled buffers: their sizes belong to this call alone.</summary>
    private FeatureMap RunOnce(SequentialLayers layers, FeatureMap input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return layers.Forward(input, _context with { CancellationToken = cancellationToken, Profiler = Profiler });
        }
        finally
        {
            _context.Buffers.Clear();
        }
    }
}
