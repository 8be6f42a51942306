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
/// streamed on its own thread over the cone of its own output columns: at each layer only the columns the next layer
/// reads (whole tiles of a Winograd layer), from the columns of the layer before that those reach, so the columns where
/// two stripes' cones overlap are the only ones computed twice. The result is bit-identical to the full-frame g_a in every
/// arithmetic: a convolution's output element sees the same operations in the same order whatever rows and columns are
/// computed with it (a Winograd layer's, those of its tile: its bands start on the tile grid and its columns on the
/// frame's tile columns, spec/nic-model.md §10.3), every column computed reads only columns computed before it or the
/// zero padding where the full frame has it (at the image's edges), and the point-wise layers (GDN, activations) act on
/// each pixel alone. Memory: the output, and for each layer of each stripe a chunk of its share of
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
    /// <param name="stripes">The vertical stripes the output's columns are cut into (<see cref="ColumnStripes"/>).</param>
    /// <param name="chunkBytes">The budget of one chunk of a layer, shared by the stripes (<see cref="DefaultChunkBytes"/>; tests take less).</param>
    public static AnalysisStream? Create(SequentialLayers analysis, int channels, int height, int width, RowSource source, int stripes = 1, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var layers = new List<(Conv2dLayer Conv, List<IPointwiseLayer> After)>();
        (int c, int h, int w) = (channels, height, width);
        foreach (ILayer layer in analysis.Layers)
        {
            switch (layer)
            {
                case Conv2dLayer conv when conv.InChannels == c:
                    layers.Add((conv, []));
                    (c, h, w) = (conv.OutChannels, conv.OutputSize(h), conv.OutputSize(w));
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

        // Each stripe computes, at every layer, only the columns the layer after it reads (from its own output columns
        // back: the cone of each layer's kernel), from exactly the columns of the layer before that those reach. No column
        // is then computed over padding that the full frame does not have, and none is computed twice but where two
        // stripes' cones overlap. A Winograd layer's columns widen to whole tiles of the full frame's tile grid, whose
        // tiles are then the full frame's (spec/nic-model.md §10.3). The stripes share the chunk budget, so that together
        // they hold what one stream would.
        var owned = ColumnStripes.Owned(w, stripes).ToArray();
        Stripe[] made = [.. owned.Select(o => new Stripe(layers, source, height, width, o.First, o.End, chunkBytes / owned.Length))];
        return new AnalysisStream(made, c, h, w);
    }

    /// <summary>Runs the analysis: the whole output, each row of each layer computed once (the columns where the stripes' cones overlap once more).</summary>
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
    /// owns, computed through the cone of columns they reach in every layer (see Create), from the image's columns
    /// <see cref="InputFirst"/> on (the first stage's input width of them), and written into those columns of the output.
    /// </summary>
    private sealed class Stripe
    {
        private readonly Stage[] _stages;
        private readonly RowSource _source;
        private readonly long _chunkBytes;

        public Stripe(List<(Conv2dLayer Conv, List<IPointwiseLayer> After)> layers, RowSource source, int height, int width, int first, int end, long chunkBytes)
        {
            _source = source;
            _chunkBytes = chunkBytes;
            (First, End) = (first, end);

            // The full frame's width after each layer, then each layer's columns from the last back (see Create).
            int count = layers.Count;
            var widths = new int[count + 1];
            widths[0] = width;
            for (int s = 0; s < count; s++)
            {
                widths[s + 1] = layers[s].Conv.OutputSize(widths[s]);
            }

            var columns = new (int First, int End)[count + 1];
            (int a, int b) = (first, end);
            for (int s = count - 1; s >= 0; s--)
            {
                Conv2dLayer conv = layers[s].Conv;
                (a, b) = conv.ComputedColumns(a, b, widths[s + 1]);
                columns[s + 1] = (a, b);
                (a, b) = conv.InputColumns(a, b, widths[s]);
            }

            columns[0] = (a, b);
            (InputFirst, WindowFirst) = (a, columns[count].First);
            _stages = new Stage[count];
            int h = height;
            for (int s = 0; s < count; s++)
            {
                Conv2dLayer conv = layers[s].Conv;
                _stages[s] = new Stage(conv, layers[s].After, h, columns[s].End - columns[s].First, columns[s + 1].End - columns[s + 1].First, columns[s + 1].First - (columns[s].First / conv.Stride));
                h = _stages[s].OutputHeight;
            }
        }

        public int First { get; }

        public int End { get; }

        /// <summary>The first output column the stripe computes (its own, or one of a Winograd tile's before them).</summary>
        public int WindowFirst { get; }

        public int InputFirst { get; }

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
        stage.Conv.ForwardRows(input.Data!, input.PlaneStride, input.WindowStart, input.WindowRows, stage.InputHeight, stage.InputWidth, first, count, target, row, context, stage.OutputColumn);
        foreach (IPointwiseLayer layer in stage.After)
        {
            layer.ForwardRows(target, row, count, context);
        }
    }

    /// <summary>
    /// One layer of a stripe: its convolution and point-wise layers, on <paramref name="inputWidth"/> columns of the layer
    /// before, making <paramref name="outputWidth"/> columns from the convolution's output column
    /// <paramref name="outputColumn"/> on those (<see cref="Conv2dLayer.ForwardRows"/>).
    /// </summary>
    private sealed class Stage(Conv2dLayer conv, List<IPointwiseLayer> after, int inputHeight, int inputWidth, int outputWidth, int outputColumn)
    {
        public Conv2dLayer Conv { get; } = conv;

        public List<IPointwiseLayer> After { get; } = after;

        public int InputHeight { get; } = inputHeight;

        public int InputWidth { get; } = inputWidth;

        public int OutputHeight { get; } = conv.OutputSize(inputHeight);

        public int OutputWidth { get; } = outputWidth;

        public int OutputColumn { get; } = outputColumn;

        /// <summary>Output rows done.</summary>
        public int Done { get; set; }

        /// <summary>The input rows the stage keeps.</summary>
        public RowStore Input { get; } = new(inputWidth);
    }
}
