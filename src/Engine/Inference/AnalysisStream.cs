namespace Nic.Codec.Inference;

/// <summary>
/// g_a as a line-buffered pipeline (spec/nic-coding.md §11.2, spec/nic-model.md §10.1), the encoder's counterpart of
/// <see cref="SynthesisStream"/>: each convolution keeps the rows of its input that its next output rows read, pulls
/// more from the layer before it (or from the image's row source) only when it needs them, and every row of every
/// layer is computed once. The result is bit-identical to the full-frame g_a in either arithmetic: a convolution's
/// output element sees the same products in the same order whatever rows are computed with it, the zero padding is
/// where the full frame has it (at the image's edges only), and the point-wise layers (GDN, activations) act on each
/// pixel alone. Memory: the output, and for each layer a chunk of about <see cref="DefaultChunkBytes"/> and the input
/// rows its kernel reaches — not the image's planes nor any layer's whole output. For analyses made of convolutions
/// each followed by point-wise layers (the image models of spec/nic-model.md §4); one run per instance.
/// </summary>
internal sealed class AnalysisStream
{
    private readonly Stage[] _stages;
    private readonly Func<int, int, FeatureMap> _source;
    private readonly long _chunkBytes;
    private bool _ran;

    private AnalysisStream(Stage[] stages, Func<int, int, FeatureMap> source, long chunkBytes, int channels, int height, int width)
    {
        _stages = stages;
        _source = source;
        _chunkBytes = chunkBytes;
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
    /// <paramref name="width"/> whose rows <paramref name="source"/>(first, count) makes on demand (channels × count ×
    /// width, top to bottom, each row asked for once); null where the network is not convolutions and point-wise layers.
    /// </summary>
    /// <param name="analysis">g_a.</param>
    /// <param name="channels">The input's channels.</param>
    /// <param name="height">The input's height.</param>
    /// <param name="width">The input's width.</param>
    /// <param name="source">Makes the input rows first … first + count − 1.</param>
    /// <param name="chunkBytes">The budget of one chunk of a layer (<see cref="DefaultChunkBytes"/>; tests take less).</param>
    public static AnalysisStream? Create(SequentialLayers analysis, int channels, int height, int width, Func<int, int, FeatureMap> source, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var stages = new List<Stage>();
        (int c, int h, int w) = (channels, height, width);
        foreach (ILayer layer in analysis.Layers)
        {
            switch (layer)
            {
                case Conv2dLayer conv when conv.InChannels == c:
                    stages.Add(new Stage(conv, h, w));
                    (c, h, w) = (conv.OutChannels, conv.OutputSize(h), conv.OutputSize(w));
                    break;
                case GdnLayer or ActivationLayer when stages.Count > 0:
                    stages[^1].After.Add(layer);
                    break;
                default:
                    return null;
            }
        }

        return stages.Count == 0 ? null : new AnalysisStream([.. stages], source, chunkBytes, c, h, w);
    }

    /// <summary>Runs the analysis: the whole output, each row of each layer computed once.</summary>
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
        Advance(_stages.Length - 1, OutputHeight, output, context);
        return output;
    }

    /// <summary>
    /// Makes stage <paramref name="s"/>'s output rows up to <paramref name="rowsEnd"/> (and up to a chunk more): the next
    /// stage's input, or the output for the last stage. It goes in chunks of about the stream's budget of output, kept
    /// input and padded copy, so that no layer holds more than a chunk and its kernel's reach.
    /// </summary>
    private void Advance(int s, int rowsEnd, FeatureMap output, LayerContext context)
    {
        Stage stage = _stages[s];
        Conv2dLayer conv = stage.Conv;
        long rowBytes = Math.Max((long)conv.OutChannels * stage.OutputWidth, (long)conv.Stride * conv.InChannels * (stage.InputWidth + conv.Kernel)) * sizeof(float);
        int chunk = (int)Math.Clamp(_chunkBytes / rowBytes, 1, int.MaxValue);
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
        int needEnd = Math.Min(stage.InputHeight, conv.FirstInputRow(first + count - 1) + conv.Kernel);
        RowStore input = stage.Input;
        if (input.End < needEnd)
        {
            if (s == 0)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                int start = input.End;
                FeatureMap rows = _source(start, needEnd - start);
                if (rows.Channels != conv.InChannels || rows.Height != needEnd - start || rows.Width != stage.InputWidth)
                {
                    throw new InvalidOperationException($"the row source gave {rows.Channels}×{rows.Height}×{rows.Width} for rows {start}…{needEnd - 1}, not {conv.InChannels}×{needEnd - start}×{stage.InputWidth}");
                }

                input.Append(rows, start);
            }
            else
            {
                Advance(s - 1, needEnd, output, context);
            }
        }

        FeatureMap made = context.Buffers.RentMap(conv.OutChannels, count, stage.OutputWidth);
        conv.ForwardRows(input.Data!, input.PlaneStride, input.Start, input.Rows, stage.InputHeight, stage.InputWidth, first, count, made, 0, context);
        foreach (ILayer layer in stage.After)
        {
            FeatureMap next = layer.Forward(made, context);
            if (!ReferenceEquals(next.Data, made.Data))
            {
                context.Buffers.Return(made.Data);
            }

            made = next;
        }

        if (s == _stages.Length - 1)
        {
            for (int c = 0; c < output.Channels; c++)
            {
                made.Plane(c).CopyTo(output.Data.AsSpan((c * output.PlaneSize) + (first * output.Width)));
            }
        }
        else
        {
            _stages[s + 1].Input.Append(made, first);
        }

        context.Buffers.Return(made.Data);
        stage.Done = first + count;

        // The next output rows of this stage read input rows from FirstInputRow(Done) on.
        input.DropBefore(conv.FirstInputRow(stage.Done));
    }

    private sealed class Stage(Conv2dLayer conv, int inputHeight, int inputWidth)
    {
        public Conv2dLayer Conv { get; } = conv;

        public List<ILayer> After { get; } = [];

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
