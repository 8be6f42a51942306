namespace Nic.Codec.Inference;

/// <summary>
/// Writes every element of <paramref name="destination"/> (channels × rows × columns): the input's rows
/// <paramref name="firstRow"/> … + rows − 1, columns <paramref name="firstColumn"/> … + columns − 1. The buffer is the
/// stream's and is not to be kept.
/// </summary>
internal delegate void RowSource(int firstRow, int firstColumn, FeatureMap destination);

/// <summary>
/// g_a as a line-buffered pipeline (spec/nic-coding.md §11.2, spec/nic-model.md §10.1), the encoder's counterpart of
/// <see cref="SynthesisStream"/>: each convolution keeps the rows of its input that its next output rows read, pulls
/// more from the layer before it (or from the image's row source) only when it needs them, and every row of every
/// layer is computed once. The columns are cut into vertical stripes, one a thread (<see cref="ColumnStripes"/>), each
/// streamed on its own thread over its window (its columns and the halo's, which are computed twice). The result is
/// bit-identical to the full-frame g_a in every arithmetic: a convolution's output element sees the same operations in
/// the same order whatever rows and columns are computed with it (a Winograd layer's, those of its tile: its bands
/// start on the tile grid and its windows on the frame's tile columns, spec/nic-model.md §10.3), the zero padding is
/// where the full frame has it (at the image's edges) or spoils only halo columns (at a window's inner edge), and the
/// point-wise layers (GDN, activations) act on each pixel alone. Memory: the output, and for each layer of each stripe a chunk of its share of
/// <see cref="DefaultChunkBytes"/> and the input rows its kernel reaches, in a row store of at most twice that
/// (<see cref="RowStore"/>) — not the image's planes nor any layer's whole output. For analyses made of convolutions each followed by point-wise layers (the image models of
/// spec/nic-model.md §4); one run per instance.
/// </summary>
internal sealed class AnalysisStream
{
    private readonly Stripe[] _stripes;
    private bool _ran;

    private AnalysisStream(Stripe[] stripes, int channels, int height, int width)
    {
        _stripes = stripes;
        (OutputChannels, OutputHeight, OutputWidth) = (channels, height, width);
    }

    /// <summary>The output budget of one chunk of a layer.</summary>
    public const long DefaultChunkBytes = SynthesisStream.DefaultChunkBytes;

    /// <summary>The output's channels.</summary>
    public int OutputChannels { get; }

    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }

    /// <summary>
    /// The stream of <paramref name="analysis"/> on an input of <paramref name="channels"/> × <paramref name="height"/> ×
    /// <paramref name="width"/> whose rows <paramref name="source"/> writes on demand into a buffer of the stream's (top to
    /// bottom; each stripe asks for each row once, for its window's columns, from its own thread, so it may be called
    /// concurrently); null where the network is not convolutions and point-wise layers.
    /// </summary>
    /// <param name="analysis">g_a.</param>
    /// <param name="channels">The input's channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="source">Writes input rows and columns into the map it is given (<see cref="RowSource"/>).</param>
    /// <param name="halo">The output columns a stripe computes beyond its own on each side it shares (<see cref="Models.ModelGeometry.AnalysisHalo"/>).</param>
    /// <param name="stripes">The vertical stripes the output's columns are cut into (<see cref="ColumnStripes"/>).</param>
    /// <param name="chunkBytes">The budget of one chunk of a layer, shared by the stripes (<see cref="DefaultChunkBytes"/>; tests take less).</param>
    public static AnalysisStream? Create(SequentialLayers analysis, int channels, int height, int width, RowSource source, int halo = 0, int stripes = 1, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(halo);
        var layers = new List<(Conv2dLayer Conv, List<IPointwiseLayer> After)>();
        (int c, int h, int w) = (channels, height, width);
        int factor = 1;
        foreach (ILayer layer in analysis.Layers)
        {
            switch (layer)
            {
                case Conv2dLayer conv when conv.InChannels == c:
                    layers.Add((conv, []));
                    (c, h, w) = (conv.OutChannels, conv.OutputSize(h), conv.OutputSize(w));
                    factor *= conv.Stride;
                    break;
                case IPointwiseLayer pointwise when layers.Count > 0:
                    layers[^1].After.Add(pointwise);
                    break;
                default:
                    return null;
            }
        }

        if (layers.Count == 0)
        {
            return null;
        }

        // A stripe's window starts at a multiple of the factor, so that its output columns are the full frame's from there on.
        // A Winograd layer's tiles start at its window's first output column, which must lie on the full frame's tile grid
        // (spec/nic-model.md §10.3): the windows start (and end) at multiples of the latent columns that puts every such
        // layer's output there. Its tiles then are the full frame's, and one is wrong by rounding wherever one of its
        // columns is wrong, so the halo covers the columns that a window's inner edge spoils through every layer, whole
        // tiles included.
        int spoiled = 0, done = 1, alignment = 1;
        foreach ((Conv2dLayer conv, _) in layers)
        {
            done *= conv.Stride;
            spoiled = (spoiled + (conv.Kernel / 2) + conv.Stride - 1) / conv.Stride;
            if (conv.IsWinograd)
            {
                // WindowFirst·(factor / done) output columns from the frame's first must be a multiple of the tile.
                int tile = WinogradConvolution.Tile, perLatent = factor / done, common = tile;
                for (int b = perLatent; b != 0;)
                {
                    (common, b) = (b, common % b);
                }

                alignment = Math.Max(alignment, tile / common);
                spoiled = (spoiled + tile - 1) / tile * tile;
            }
        }

        halo = Math.Max(halo, spoiled);

        // The stripes share the chunk budget, so that together they hold what one stream would.
        var windows = ColumnStripes.Windows(w, halo, stripes, alignment).ToArray();
        Stripe[] made = [.. windows.Select(s =>
            new Stripe(layers, source, height, s.First, s.End, s.WindowFirst, s.WindowFirst * factor, Math.Min(width, s.WindowEnd * factor), chunkBytes / windows.Length))];
        return new AnalysisStream(made, c, h, w);
    }

    /// <summary>Runs the analysis: the whole output, each row of each layer computed once (each stripe's halo columns once more).</summary>
    /// <exception cref="InvalidOperationException">The stream has already run.</exception>
    /// <exception cref="OperationCanceledException">The context's token was cancelled.</exception>
    public FeatureMap Run(LayerContext context)
    {
        if (_ran)
        {
            throw new InvalidOperationException("an analysis stream runs once");
        }

        _ran = true;
        var output = new FeatureMap(OutputChannels, OutputHeight, OutputWidth, GC.AllocateUninitializedArray<float>(checked(OutputChannels * OutputHeight * OutputWidth)));
        ColumnStripes.Run(_stripes.Length, context, (i, share) => _stripes[i].Run(output, share));
        return output;
    }

    /// <summary>
    /// One vertical stripe (<see cref="ColumnStripes"/>): the output columns <see cref="First"/> … <see cref="End"/> − 1 it
    /// owns, computed on the input columns <see cref="InputFirst"/> … <see cref="InputEnd"/> − 1 as if they were the whole
    /// input, and written into those columns of the output.
    /// </summary>
    private sealed class Stripe
    {
        private readonly Stage[] _stages;
        private readonly RowSource _source;
        private readonly long _chunkBytes;

        public Stripe(List<(Conv2dLayer Conv, List<IPointwiseLayer> After)> layers, RowSource source, int height, int first, int end, int windowFirst, int inputFirst, int inputEnd, long chunkBytes)
        {
            _source = source;
            _chunkBytes = chunkBytes;
            (First, End, WindowFirst, InputFirst, InputEnd) = (first, end, windowFirst, inputFirst, inputEnd);
            _stages = new Stage[layers.Count];
            (int h, int w) = (height, inputEnd - inputFirst);
            for (int s = 0; s < layers.Count; s++)
            {
                _stages[s] = new Stage(layers[s].Conv, layers[s].After, h, w);
                (h, w) = (_stages[s].OutputHeight, _stages[s].OutputWidth);
            }
        }

        public int First { get; }

        public int End { get; }

        /// <summary>The first output column the stripe computes (its own and the halo).</summary>
        public int WindowFirst { get; }

        public int InputFirst { get; }

        public int InputEnd { get; }

        /// <summary>Computes the stripe's window of the output top to bottom and writes its own columns into <paramref name="output"/>.</summary>
        public void Run(FeatureMap output, LayerContext context) => Advance(_stages.Length - 1, output.Height, output, context);

        /// <summary>
        /// Makes stage <paramref name="s"/>'s output rows up to <paramref name="rowsEnd"/> (and up to a chunk more): the next
        /// stage's input, or the output for the last stage. It goes in chunks of about the stripe's share of the budget of output, kept
        /// input and padded copy, so that no layer holds more than a chunk and its kernel's reach (in a store of at most twice that).
        /// </summary>
        private void Advance(int s, int rowsEnd, FeatureMap output, LayerContext context)
        {
            Stage stage = _stages[s];
            Conv2dLayer conv = stage.Conv;
            long rowBytes = Math.Max((long)conv.OutChannels * stage.OutputWidth, (long)conv.Stride * conv.InChannels * (stage.InputWidth + conv.Kernel)) * sizeof(float);
            int chunk = (int)Math.Clamp(_chunkBytes / rowBytes / conv.RowAlignment * conv.RowAlignment, conv.RowAlignment, int.MaxValue);
            while (stage.Done < rowsEnd)
            {
                Run(s, Math.Min(chunk, stage.OutputHeight - stage.Done), output, context);
            }
        }

        /// <summary>Computes the next <paramref name="count"/> output rows of stage <paramref name="s"/>.</summary>
        private void Run(int s, int count, FeatureMap output, LayerContext context)
        {
            Stage stage = _stages[s];
            Conv2dLayer conv = stage.Conv;
            int first = stage.Done;
            int needEnd = conv.InputRowsEnd(first, count, stage.InputHeight);
            RowStore input = stage.Input;
            if (input.End < needEnd)
            {
                if (s == 0)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    int start = input.End;
                    // The rows go into a buffer of the pool and are copied into the store: the image's planes are never
                    // made whole, and a chunk's buffer serves the next chunk of the same size.
                    FeatureMap rows = context.Buffers.RentMap(conv.InChannels, needEnd - start, stage.InputWidth);
                    try
                    {
                        _source(start, InputFirst, rows);
                        input.Append(rows, start);
                    }
                    finally
                    {
                        context.Buffers.Return(rows.Data);
                    }
                }
                else
                {
                    Advance(s - 1, needEnd, output, context);
                }
            }

            if (s < _stages.Length - 1)
            {
                // Into the next stage's store, where the rows stay: the point-wise layers act on them there, and no copy
                // follows (the copies of each output into the stores, RowStore.Append, were about 2.8 % of g_a's thread
                // time in a 3-megapixel encode with AVX-512 off; session 31, docs/performance.md).
                RowStore next = _stages[s + 1].Input;
                (FeatureMap planes, int row) = next.Reserve(first, count, conv.OutChannels);
                Compute(stage, first, count, planes, row, context);
                next.Commit(count);
            }
            else
            {
                // The stripe's own columns, into the same columns of the output.
                FeatureMap made = context.Buffers.RentMap(conv.OutChannels, count, stage.OutputWidth);
                Compute(stage, first, count, made, 0, context);
                ColumnStripes.CopyColumns(made, First - WindowFirst, output, first, First, count, End - First);
                context.Buffers.Return(made.Data);
            }

            stage.Done = first + count;

            // The next output rows of this stage read input rows from FirstInputRow(Done) on.
            input.DropBefore(conv.FirstInputRow(stage.Done));
        }
    }

    /// <summary>Output rows <paramref name="first"/> … + <paramref name="count"/> − 1 of a stage, its convolution and then its point-wise layers, into <paramref name="target"/> from its row <paramref name="row"/>.</summary>
    private static void Compute(Stage stage, int first, int count, FeatureMap target, int row, LayerContext context)
    {
        RowStore input = stage.Input;
        stage.Conv.ForwardRows(input.Data!, input.PlaneStride, input.WindowStart, input.WindowRows, stage.InputHeight, stage.InputWidth, first, count, target, row, context);
        foreach (IPointwiseLayer layer in stage.After)
        {
            layer.ForwardRows(target, row, count, context);
        }
    }

    private sealed class Stage(Conv2dLayer conv, List<IPointwiseLayer> after, int inputHeight, int inputWidth)
    {
        public Conv2dLayer Conv { get; } = conv;

        public List<IPointwiseLayer> After { get; } = after;

        public int InputHeight { get; } = inputHeight;

        public int InputWidth { get; } = inputWidth;

        public int OutputHeight { get; } = conv.OutputSize(inputHeight);

        public int OutputWidth { get; } = conv.OutputSize(inputWidth);

        /// <summary>Output rows done.</summary>
        public int Done { get; set; }

        /// <summary>The input rows the stage keeps.</summary>
        public RowStore Input { get; } = new(inputWidth);
    }
}
