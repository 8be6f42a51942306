namespace Nic.Codec.Inference;

/// <summary>
/// g_s as a line-buffered pipeline (spec/nic-model.md §10.1): each transposed convolution keeps the rows of its input
/// that its next output rows read, and every row of every layer is computed once, with no halo rows recomputed. The
/// columns are cut into vertical stripes, one a thread (<see cref="ColumnStripes"/>), each streamed over its window (its
/// columns and the halo's, which are computed twice). Bands of output rows are asked for top to bottom; each is
/// bit-identical to the same rows of the full-frame synthesis. Memory: each layer of each stripe runs in chunks of its
/// share of 2 MiB of output (or kept input) and holds its input rows from the first one its next output reads to the
/// last one computed (a chunk and the kernel's reach, in a row store of at most twice that), whatever the band height. For syntheses made of stride-2
/// transposed convolutions each followed by point-wise layers (the image models of spec/nic-model.md §4); one decode at
/// a time.
/// </summary>
internal sealed class SynthesisStream
{
    private readonly Stripe[] _stripes;
    private readonly int _factor;
    private readonly int _channels;
    private int _produced;

    private SynthesisStream(Stripe[] stripes, int factor, int channels)
    {
        _stripes = stripes;
        _factor = factor;
        _channels = channels;
    }

    /// <summary>
    /// The stream of <paramref name="synthesis"/> on <paramref name="latent"/> (whose rows may still be filling in,
    /// top to bottom); null where the network is not transposed convolutions and point-wise layers.
    /// </summary>
    /// <remarks>
    /// A stripe computes the columns a cut edge spoils beyond its own on each side it shares (<see cref="Reach"/>), from a
    /// window that starts on its alignment. A g_s whose last layer is a Winograd one that would make rows past a band (a
    /// latent row not a whole number of its tile rows) has no stream: null (<see cref="CanStream"/>).
    /// </remarks>
    /// <param name="synthesis">g_s.</param>
    /// <param name="latent">ŷ.</param>
    /// <param name="stripes">The vertical stripes the columns are cut into (<see cref="ColumnStripes"/>).</param>
    /// <param name="chunkBytes">The output budget of one chunk of a layer, shared by the stripes (<see cref="DefaultChunkBytes"/>; tests take less).</param>
    public static SynthesisStream? Create(SequentialLayers synthesis, FeatureMap latent, int stripes = 1, long chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(synthesis);
        ArgumentNullException.ThrowIfNull(latent);
        if (Stages(synthesis, latent.Channels) is not { } layers)
        {
            return null;
        }

        // The stripes share the chunk budget, so that together they hold what one stream would. A window starts where the
        // Winograd layers' tiles lie on the full frame's grid.
        (int spoiled, _, int alignment) = ReachOf([.. layers.Select(l => l.Deconv)]);
        var windows = ColumnStripes.Windows(latent.Width, spoiled, stripes, alignment).ToArray();
        Stripe[] made = [.. windows.Select(w => new Stripe(layers, latent, w.First, w.End, w.WindowFirst, w.WindowEnd, chunkBytes / windows.Length))];
        return new SynthesisStream(made, 1 << layers.Count, layers[^1].Deconv.OutChannels);
    }

    /// <summary>Whether <paramref name="synthesis"/> can be streamed (<see cref="Create"/> gives a stream for it).</summary>
    public static bool CanStream(SequentialLayers synthesis) =>
        synthesis.Layers is [ConvTranspose2dLayer first, ..] && Stages(synthesis, first.InChannels) is not null;

    /// <summary>
    /// The transposed convolutions of <paramref name="synthesis"/> on a latent of <paramref name="channels"/>, each with the
    /// point-wise layers after it; null where the network is not made of them, or where its last layer is a Winograd one
    /// whose tile rows would end inside a latent row: its rows go straight into the band, which must end where a latent
    /// row does.
    /// </summary>
    private static List<(ConvTranspose2dLayer Deconv, List<IPointwiseLayer> After)>? Stages(SequentialLayers synthesis, int channels)
    {
        var layers = new List<(ConvTranspose2dLayer Deconv, List<IPointwiseLayer> After)>();
        int c = channels;
        foreach (ILayer layer in synthesis.Layers)
        {
            switch (layer)
            {
                case ConvTranspose2dLayer deconv when deconv.InChannels == c:
                    layers.Add((deconv, []));
                    c = deconv.OutChannels;
                    break;
                case IPointwiseLayer pointwise when layers.Count > 0:
                    layers[^1].After.Add(pointwise);
                    break;
                default:
                    return null;
            }
        }

        return layers.Count == 0 || (1 << (layers.Count - 1)) % layers[^1].Deconv.RowAlignment != 0 ? null : layers;
    }

    /// <summary>
    /// What a window of the latent must add around the rows (or columns) it owns for its g_s outputs there to be the full
    /// frame's bit for bit (spec/nic-model.md §10.1), for g_s made of <paramref name="synthesis"/>'s transposed convolutions
    /// and point-wise layers: Halo latent rows on each side where the window is cut, the window starting on a
    /// multiple of Alignment latent rows. Each transposed convolution turns the outputs spoiled next to a cut
    /// edge into <see cref="ConvTranspose2dLayer.SpoiledOutputs"/> (0 → 2 → 6 → 14 → 30 output rows for the image models in
    /// the fused arithmetic: 2 latent rows; with g_s.2, g_s.4 and g_s.6 in the Winograd one 0 → 2 → 12 → 32 → 72: 5), and a
    /// Winograd layer whose input lies 2^s times finer than the latent needs its tiles (4 input rows) on the full frame's
    /// grid: windows starting on multiples of 4 / 2^s latent rows (2 for g_s.2). The halo also covers the latent rows a
    /// stream reads below a band (<see cref="RowsBelow"/>: whole tile rows reach further down; 5 for the image models in
    /// the Winograd arithmetic, where a band whose last latent row is even reads 5 rows below it), so that a decoder that
    /// waits for the halo's rows below a band never asks the stream for a row not yet decoded. A stream's stripes take
    /// only the spoiled columns as their halo.
    /// </summary>
    public static (int Halo, int Alignment) Reach(SequentialLayers synthesis)
    {
        (int spoiled, int below, int alignment) = ReachOf([.. synthesis.Layers.OfType<ConvTranspose2dLayer>()]);
        return (Math.Max(spoiled, below), alignment);
    }

    /// <summary>
    /// The most latent rows below a band's last row that a stream of <paramref name="synthesis"/> reads to make it
    /// (see <see cref="Reach"/>).
    /// </summary>
    public static int RowsBelow(SequentialLayers synthesis) => RowsBelowOf([.. synthesis.Layers.OfType<ConvTranspose2dLayer>()]);

    /// <summary>The spoiled-edge halo, the rows read below a band and the windows' alignment, in latent rows.</summary>
    private static (int Spoiled, int Below, int Alignment) ReachOf(ConvTranspose2dLayer[] layers)
    {
        int spoiled = 0, factor = 1, alignment = 1;
        foreach (ConvTranspose2dLayer layer in layers)
        {
            if (layer.RowAlignment > factor)
            {
                alignment = Math.Max(alignment, layer.RowAlignment / factor);
            }

            spoiled = layer.SpoiledOutputs(spoiled);
            factor *= 2;
        }

        return ((spoiled + factor - 1) / factor, RowsBelowOf(layers), alignment);
    }

    /// <summary>
    /// The most latent rows below a band's last row that the stream reads to make it (<see cref="Stripe"/>'s
    /// <c>Advance</c>: each stage asked for the rows the next reads, rounded up to its whole tile rows, then reading
    /// <see cref="ConvTranspose2dLayer.InputRowsEnd"/>), over every band end: the pattern repeats with the largest row
    /// alignment's period, so the ends up to 64 latent rows cover it.
    /// </summary>
    private static int RowsBelowOf(ConvTranspose2dLayer[] layers)
    {
        int most = 0;
        for (int end = 1; end <= 64; end++)
        {
            int rows = end << layers.Length;
            for (int s = layers.Length - 1; s >= 0; s--)
            {
                int align = layers[s].RowAlignment, inputRows = (rows + 1) / 2;
                inputRows = (inputRows + align - 1) / align * align;
                rows = layers[s].InputRowsEnd(0, inputRows, int.MaxValue);
            }

            most = Math.Max(most, rows - end);
        }

        return most;
    }

    /// <summary>Output rows (and columns) per latent row.</summary>
    public int Factor => _factor;

    /// <summary>The vertical stripes the stream's columns are cut into, each run on its own thread.</summary>
    public int Stripes => _stripes.Length;

    /// <summary>
    /// Writes the output rows of latent rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// into <paramref name="destination"/> (output channels × Factor·rowCount × Factor·width). Bands come in order,
    /// each starting where the last ended; the latent rows below <paramref name="availableRows"/> must be final. With
    /// several stripes, each runs on its own thread (with its share of the context's threads) into its own rows, and its
    /// own columns are copied into <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A band out of order, or one that reads latent rows not yet available.</exception>
    public void Synthesize(int firstRow, int rowCount, int availableRows, FeatureMap destination, LayerContext context)
    {
        if (firstRow * _factor != _produced)
        {
            throw new InvalidOperationException($"bands must come in order: the next starts at latent row {_produced / _factor}, not {firstRow}");
        }

        int rowsEnd = (firstRow + rowCount) * _factor, produced = _produced;
        ColumnStripes.Run(_stripes.Length, context, (i, share) => _stripes[i].SynthesizeInto(rowsEnd, availableRows, produced, destination, _channels, _factor, share));
        _produced = rowsEnd;
    }

    /// <summary>
    /// The output budget of one chunk of a stage. 2 MiB (it was 8): a 12-megapixel decode of the default model then
    /// holds about 70 MiB less (its stores, padded copies, GDN scratch and the pool's buffers of each chunk height all
    /// scale with it), and a chunk is still hundreds of thousands of multiply-adds per work item.
    /// </summary>
    public const long DefaultChunkBytes = 2L << 20;

    /// <summary>
    /// One vertical stripe (<see cref="ColumnStripes"/>): the latent columns <see cref="First"/> … <see cref="End"/> − 1 it
    /// owns, synthesized on the window <see cref="WindowFirst"/> … <see cref="WindowEnd"/> − 1 as if it were the whole latent.
    /// </summary>
    private sealed class Stripe
    {
        private readonly Stage[] _stages;
        private readonly FeatureMap _latent;
        private readonly long _chunkBytes;

        public Stripe(List<(ConvTranspose2dLayer Deconv, List<IPointwiseLayer> After)> layers, FeatureMap latent, int first, int end, int windowFirst, int windowEnd, long chunkBytes)
        {
            _latent = latent;
            _chunkBytes = chunkBytes;
            (First, End, WindowFirst, WindowEnd) = (first, end, windowFirst, windowEnd);
            _stages = new Stage[layers.Count];
            (int h, int w) = (latent.Height, windowEnd - windowFirst);
            for (int s = 0; s < layers.Count; s++)
            {
                _stages[s] = new Stage(layers[s].Deconv, layers[s].After, h, w);
                (h, w) = (2 * h, 2 * w);
            }
        }

        public int First { get; }

        public int End { get; }

        public int WindowFirst { get; }

        public int WindowEnd { get; }

        /// <summary>
        /// Synthesizes the stripe's window and puts its own columns into <paramref name="destination"/>: straight there when
        /// the window is the whole width (one stripe), else through a buffer of its own.
        /// </summary>
        public void SynthesizeInto(int rowsEnd, int availableRows, int produced, FeatureMap destination, int channels, int factor, LayerContext context)
        {
            int rows = rowsEnd - produced, width = (WindowEnd - WindowFirst) * factor;
            if (width == destination.Width)
            {
                Advance(_stages.Length - 1, rowsEnd, availableRows, produced, destination, context);
                return;
            }

            FeatureMap window = context.Buffers.RentMap(channels, rows, width);
            try
            {
                Advance(_stages.Length - 1, rowsEnd, availableRows, produced, window, context);
                ColumnStripes.CopyColumns(window, (First - WindowFirst) * factor, destination, 0, First * factor, rows, (End - First) * factor);
            }
            finally
            {
                context.Buffers.Return(window.Data);
            }
        }

        /// <summary>
        /// Makes stage <paramref name="s"/>'s output rows up to <paramref name="rowsEnd"/> (and maybe one more): the next
        /// stage's input, or the destination for the last stage. It goes in chunks of about the stripe's share of <see cref="DefaultChunkBytes"/> of
        /// output or kept input (the stream's chunk budget), each pulling just the input rows it reads, so that no layer holds more than a chunk and its kernel's
        /// reach (in a row store of at most twice that, <see cref="RowStore"/>): memory does not grow with the band.
        /// </summary>
        private void Advance(int s, int rowsEnd, int availableRows, int produced, FeatureMap destination, LayerContext context)
        {
            Stage stage = _stages[s];
            int jEnd = Math.Min(stage.InputHeight, (rowsEnd + 1) / 2);
            // A chunk's output rows, and the input rows the stage keeps for it (many channels for g_s's last layer).
            // A Winograd layer's chunks are whole tile rows (RowAlignment), so it may make a few rows more than asked.
            long rowBytes = Math.Max(2L * 2 * stage.InputWidth * stage.Deconv.OutChannels, (long)(stage.InputWidth + 2) * stage.Deconv.InChannels) * sizeof(float);
            int align = stage.Deconv.RowAlignment;
            int chunk = (int)Math.Clamp(_chunkBytes / rowBytes / align * align, align, int.MaxValue);
            while (stage.Done < jEnd)
            {
                int count = Math.Min(stage.InputHeight - stage.Done, (Math.Min(chunk, jEnd - stage.Done) + align - 1) / align * align);
                Run(s, count, availableRows, produced, destination, context);
            }
        }

        /// <summary>Computes the next <paramref name="count"/> input-phase rows of stage <paramref name="s"/>.</summary>
        private void Run(int s, int count, int availableRows, int produced, FeatureMap destination, LayerContext context)
        {
            Stage stage = _stages[s];
            int jEnd = stage.Done + count;
            int needEnd = stage.Deconv.InputRowsEnd(stage.Done, count, stage.InputHeight);
            if (s == 0 && needEnd > availableRows)
            {
                throw new InvalidOperationException($"latent rows up to {needEnd - 1} are needed, {availableRows} are available");
            }

            if (s > 0)
            {
                Advance(s - 1, needEnd, availableRows, produced, destination, context);
            }

            // Into the next stage's store, where the rows stay: the point-wise layers act on them there, and no copy follows
            // (as AnalysisStream); the last stage's into a buffer, copied into the band.
            int firstOut = 2 * stage.Done;
            bool last = s == _stages.Length - 1;
            RowStore? next = last ? null : _stages[s + 1].Input;
            (FeatureMap output, int row) = next is null
                ? (context.Buffers.RentMap(stage.Deconv.OutChannels, 2 * count, 2 * stage.InputWidth), 0)
                : next.Reserve(firstOut, 2 * count, stage.Deconv.OutChannels);
            if (s == 0)
            {
                // The first stage reads its window's columns of ŷ in place.
                stage.Deconv.ForwardRows(_latent.Data, _latent.PlaneSize, _latent.Width, WindowFirst, 0, _latent.Height, stage.InputHeight, stage.InputWidth, stage.Done, count, output, row, context);
            }
            else
            {
                RowStore input = stage.Input;
                stage.Deconv.ForwardRows(input.Data!, input.PlaneStride, stage.InputWidth, 0, input.WindowStart, input.WindowRows, stage.InputHeight, stage.InputWidth, stage.Done, count, output, row, context);
            }

            foreach (IPointwiseLayer layer in stage.After)
            {
                layer.ForwardRows(output, row, 2 * count, context);
            }

            if (next is not null)
            {
                next.Commit(2 * count);
            }
            else
            {
                // The last stage writes the band: its rows start where the last band ended.
                int skip = firstOut - produced;
                for (int c = 0; c < destination.Channels; c++)
                {
                    output.Data.AsSpan(c * output.PlaneSize, output.PlaneSize).CopyTo(destination.Data.AsSpan(c * destination.PlaneSize + (skip * destination.Width)));
                }

                context.Buffers.Return(output.Data);
            }

            stage.Done = jEnd;

            // The next output rows of this stage read input rows from Done − PadBefore on.
            stage.Input.DropBefore(jEnd - stage.Deconv.PadBefore);
        }
    }

    private sealed class Stage(ConvTranspose2dLayer deconv, List<IPointwiseLayer> after, int inputHeight, int inputWidth)
    {
        public ConvTranspose2dLayer Deconv { get; } = deconv;

        public List<IPointwiseLayer> After { get; } = after;

        public int InputHeight { get; } = inputHeight;

        public int InputWidth { get; } = inputWidth;

        /// <summary>Input-phase rows done: output rows 0 … 2·Done − 1 are made.</summary>
        public int Done { get; set; }

        /// <summary>The input rows the stage keeps (stages after the first; the first reads the latent).</summary>
        public RowStore Input { get; } = new(inputWidth);
    }
}
