namespace Nic.Codec.Inference;

/// <summary>
/// g_s as a line-buffered pipeline (spec/nic-model.md §10.1): each transposed convolution keeps the rows of its input
/// that its next output rows read, and every row of every layer is computed once. Bands of output rows are asked for
/// top to bottom; each is bit-identical to the same rows of the full-frame synthesis, with no halo recomputed. Memory:
/// each layer runs in chunks of about 2 MiB of output (or kept input) and holds its input rows from the first one its next output
/// reads to the last one computed (a chunk and the kernel's reach), whatever the band height. For syntheses made of stride-2 transposed convolutions each followed by point-wise layers
/// (the image models of spec/nic-model.md §4); one decode at a time.
/// </summary>
internal sealed class SynthesisStream
{
    private readonly Stage[] _stages;
    private readonly FeatureMap _latent;
    private readonly int _factor;
    private int _produced;

    private readonly long _chunkBytes;

    private SynthesisStream(Stage[] stages, FeatureMap latent, long chunkBytes)
    {
        _stages = stages;
        _latent = latent;
        _chunkBytes = chunkBytes;
        _factor = 1 << stages.Length;
    }

    /// <summary>
    /// The stream of <paramref name="synthesis"/> on <paramref name="latent"/> (whose rows may still be filling in,
    /// top to bottom); null where the network is not transposed convolutions and point-wise layers.
    /// </summary>
    /// <param name="synthesis">g_s.</param>
    /// <param name="latent">ŷ.</param>
    /// <param name="chunkBytes">The output budget of one chunk of a layer (<see cref="DefaultChunkBytes"/>; tests take less).</param>
    public static SynthesisStream? Create(SequentialLayers synthesis, FeatureMap latent, long chunkBytes = DefaultChunkBytes)
    {
        var stages = new List<Stage>();
        (int c, int h, int w) = (latent.Channels, latent.Height, latent.Width);
        foreach (ILayer layer in synthesis.Layers)
        {
            switch (layer)
            {
                case ConvTranspose2dLayer deconv when deconv.InChannels == c:
                    stages.Add(new Stage(deconv, h, w));
                    (c, h, w) = (deconv.OutChannels, 2 * h, 2 * w);
                    break;
                case GdnLayer or ActivationLayer when stages.Count > 0:
                    stages[^1].After.Add(layer);
                    break;
                default:
                    return null;
            }
        }

        return stages.Count == 0 ? null : new SynthesisStream([.. stages], latent, chunkBytes);
    }

    /// <summary>Output rows (and columns) per latent row.</summary>
    public int Factor => _factor;

    /// <summary>
    /// Writes the output rows of latent rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// into <paramref name="destination"/> (output channels × Factor·rowCount × Factor·width). Bands come in order,
    /// each starting where the last ended; the latent rows below <paramref name="availableRows"/> must be final.
    /// </summary>
    /// <exception cref="InvalidOperationException">A band out of order, or one that reads latent rows not yet available.</exception>
    public void Synthesize(int firstRow, int rowCount, int availableRows, FeatureMap destination, LayerContext context)
    {
        if (firstRow * _factor != _produced)
        {
            throw new InvalidOperationException($"bands must come in order: the next starts at latent row {_produced / _factor}, not {firstRow}");
        }

        Advance(_stages.Length - 1, (firstRow + rowCount) * _factor, availableRows, destination, context);
        _produced = (firstRow + rowCount) * _factor;
    }

    /// <summary>
    /// Makes stage <paramref name="s"/>'s output rows up to <paramref name="rowsEnd"/> (and maybe one more): the next
    /// stage's input, or the destination for the last stage. It goes in chunks of about <see cref="DefaultChunkBytes"/> of
    /// output or kept input (the stream's chunk budget), each pulling just the input rows it reads, so that no layer holds more than a chunk and its kernel's
    /// reach: memory does not grow with the band.
    /// </summary>
    private void Advance(int s, int rowsEnd, int availableRows, FeatureMap destination, LayerContext context)
    {
        Stage stage = _stages[s];
        int jEnd = Math.Min(stage.InputHeight, (rowsEnd + 1) / 2);
        // A chunk's output rows, and the input rows the stage keeps for it (many channels for g_s's last layer).
        long rowBytes = Math.Max(2L * 2 * stage.InputWidth * stage.Deconv.OutChannels, (long)(stage.InputWidth + 2) * stage.Deconv.InChannels) * sizeof(float);
        int chunk = (int)Math.Clamp(_chunkBytes / rowBytes, 1, int.MaxValue);
        while (stage.Done < jEnd)
        {
            int count = Math.Min(chunk, jEnd - stage.Done);
            Run(s, count, availableRows, destination, context);
        }
    }

    /// <summary>
    /// The output budget of one chunk of a stage. 2 MiB (it was 8): a 12-megapixel decode of the default model then
    /// holds about 70 MiB less (its stores, padded copies, GDN scratch and the pool's buffers of each chunk height all
    /// scale with it), and a chunk is still hundreds of thousands of multiply-adds per work item.
    /// </summary>
    public const long DefaultChunkBytes = 2L << 20;

    /// <summary>Computes the next <paramref name="count"/> input-phase rows of stage <paramref name="s"/>.</summary>
    private void Run(int s, int count, int availableRows, FeatureMap destination, LayerContext context)
    {
        Stage stage = _stages[s];
        int jEnd = stage.Done + count;
        int needEnd = Math.Min(stage.InputHeight, jEnd + stage.Deconv.PadAfter);
        float[] window;
        long planeStride;
        int windowStart, windowRows;
        if (s == 0)
        {
            if (needEnd > availableRows)
            {
                throw new InvalidOperationException($"latent rows up to {needEnd - 1} are needed, {availableRows} are available");
            }

            (window, planeStride, windowStart, windowRows) = (_latent.Data, _latent.PlaneSize, 0, _latent.Height);
        }
        else
        {
            Advance(s - 1, needEnd, availableRows, destination, context);
            RowStore input = stage.Input;
            (window, planeStride, windowStart, windowRows) = (input.Data!, input.PlaneStride, input.Start, input.Rows);
        }

        FeatureMap output = context.Buffers.RentMap(stage.Deconv.OutChannels, 2 * count, 2 * stage.InputWidth);
        stage.Deconv.ForwardRows(window, planeStride, windowStart, windowRows, stage.InputHeight, stage.InputWidth, stage.Done, count, output, context);
        foreach (ILayer layer in stage.After)
        {
            FeatureMap next = layer.Forward(output, context);
            if (!ReferenceEquals(next.Data, output.Data))
            {
                context.Buffers.Return(output.Data);
            }

            output = next;
        }

        int firstOut = 2 * stage.Done;
        if (s == _stages.Length - 1)
        {
            // The last stage writes the band: its rows start where the last band ended.
            int skip = firstOut - _produced;
            for (int c = 0; c < destination.Channels; c++)
            {
                output.Data.AsSpan(c * output.PlaneSize, output.PlaneSize).CopyTo(destination.Data.AsSpan(c * destination.PlaneSize + (skip * destination.Width)));
            }
        }
        else
        {
            _stages[s + 1].Input.Append(output, firstOut);
        }

        context.Buffers.Return(output.Data);
        stage.Done = jEnd;

        // The next output rows of this stage read input rows from Done − PadBefore on.
        stage.Input.DropBefore(jEnd - stage.Deconv.PadBefore);
    }

    private sealed class Stage(ConvTranspose2dLayer deconv, int inputHeight, int inputWidth)
    {
        public ConvTranspose2dLayer Deconv { get; } = deconv;

        public List<ILayer> After { get; } = [];

        public int InputHeight { get; } = inputHeight;

        public int InputWidth { get; } = inputWidth;

        /// <summary>Input-phase rows done: output rows 0 … 2·Done − 1 are made.</summary>
        public int Done { get; set; }

        /// <summary>The input rows the stage keeps (stages after the first; the first reads the latent).</summary>
        public RowStore Input { get; } = new(inputWidth);
    }
}
