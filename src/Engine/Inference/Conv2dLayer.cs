namespace Nic.Codec.Inference;

/// <summary>
/// A 2-D convolution with an odd square kernel k, stride 1 or 2 and zero padding k/2 (PyTorch's
/// <c>Conv2d(cin, cout, k, stride, padding=k//2)</c>). Weights are [cout, cin, k, k]. Accumulation order: input
/// channels ascending; at stride 1 the taps (ky, kx) row-major; at stride 2 the taps grouped by phase
/// (ky mod 2, kx mod 2) in the order (0,0), (0,1), (1,0), (1,1), row-major within a phase. In the Winograd arithmetic a
/// layer of kernel 5 and stride 2 with at least <see cref="WinogradConvolution.MinimumInputChannels"/> input channels is
/// computed by <see cref="WinogradConvolution"/> (in bands of rows that start at multiples of its tile), any other in the
/// fused arithmetic.
/// </summary>
internal sealed class Conv2dLayer : ILayer
{
    private readonly float[] _packed;
    private readonly float[] _bias;
    private readonly (int Ky, int Kx)[] _taps;
    private readonly WinogradConvolution? _winograd;
    private readonly ManagedArithmetic _kernelArithmetic;

    public Conv2dLayer(int inChannels, int outChannels, int kernel, int stride, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        if (kernel < 1 || kernel % 2 == 0 || stride is not (1 or 2))
        {
            throw new ArgumentException($"kernel {kernel} / stride {stride}: an odd kernel and stride 1 or 2 are supported");
        }

        if (weight.Length != outChannels * inChannels * kernel * kernel || bias.Length != outChannels)
        {
            throw new ArgumentException($"weights [{outChannels},{inChannels},{kernel},{kernel}] and bias [{outChannels}] expected; got {weight.Length} and {bias.Length} values");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Arithmetic = arithmetic;
        _kernelArithmetic = arithmetic.WithoutWinograd();
        if (arithmetic == ManagedArithmetic.Winograd && kernel == 5 && stride == 2 && inChannels >= WinogradConvolution.MinimumInputChannels)
        {
            _winograd = new WinogradConvolution(inChannels, outChannels, weight, bias);
        }

        _taps = TapOrder(kernel, stride);
        (int Ky, int Kx)[] taps = _taps;
        if (_winograd is null)
        {
            float[] w = weight.ToArray();
            _packed = DirectConvolution.PackWeights(outChannels, inChannels, taps.Length, (co, ci, t) => w[((co * inChannels + ci) * kernel + taps[t].Ky) * kernel + taps[t].Kx]);
        }
        else
        {
            _packed = [];
        }

        _bias = new float[(outChannels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];
        bias.CopyTo(_bias);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Kernel { get; }

    public int Stride { get; }

    /// <summary>How the products are accumulated (spec/nic-model.md §10).</summary>
    public ManagedArithmetic Arithmetic { get; }

    /// <summary>Whether the layer runs as a <see cref="WinogradConvolution"/>.</summary>
    public bool IsWinograd => _winograd is not null;

    /// <summary>
    /// The rows a band of <see cref="ForwardRows"/> starts at a multiple of, and computes in whole multiples of (the last
    /// band's extra rows lie below the output and are not written): the Winograd tile, or 1.
    /// </summary>
    public int RowAlignment => _winograd is null ? 1 : WinogradConvolution.Tile;

    /// <summary>
    /// One past the last input row that output rows <paramref name="first"/> … <paramref name="first"/> +
    /// <paramref name="count"/> − 1 read, on an input of <paramref name="inputHeight"/> rows (their band rounded up to
    /// <see cref="RowAlignment"/>).
    /// </summary>
    public int InputRowsEnd(int first, int count, int inputHeight) =>
        _winograd is not null ? WinogradConvolution.InputRowsEnd(first, count, inputHeight) : Math.Min(inputHeight, FirstInputRow(first + count - 1) + Kernel);

    /// <summary>The taps in accumulation order (see the type's remarks).</summary>
    public static (int Ky, int Kx)[] TapOrder(int kernel, int stride)
    {
        var taps = new List<(int, int)>();
        if (stride == 1)
        {
            for (int ky = 0; ky < kernel; ky++)
            {
                for (int kx = 0; kx < kernel; kx++)
                {
                    taps.Add((ky, kx));
                }
            }
        }
        else
        {
            for (int phase = 0; phase < 4; phase++)
            {
                for (int ky = phase >> 1; ky < kernel; ky += 2)
                {
                    for (int kx = phase & 1; kx < kernel; kx += 2)
                    {
                        taps.Add((ky, kx));
                    }
                }
            }
        }

        return [.. taps];
    }

    /// <summary>The output size of a side of <paramref name="size"/> pixels.</summary>
    public int OutputSize(int size) => Stride == 1 ? size : (size - 1) / 2 + 1;

    public bool WritesInPlace => false;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        if (input.Channels != InChannels)
        {
            throw new ArgumentException($"the layer takes {InChannels} channels, not {input.Channels}");
        }

        // The padded (or phase-split) copy is made for a band of output rows at a time, about ForwardBandBytes of it,
        // so that a large input is never held twice; every output element is the same whatever the bands.
        FeatureMap output = context.Buffers.RentMap(OutChannels, OutputSize(input.Height), OutputSize(input.Width));
        long paddedRowBytes = (long)Stride * InChannels * (input.Width + Kernel) * sizeof(float);
        int band = (int)Math.Clamp(ForwardBandBytes / paddedRowBytes / RowAlignment * RowAlignment, RowAlignment, Math.Max(RowAlignment, output.Height));
        for (int first = 0; first < output.Height; first += band)
        {
            ForwardRows(input.Data, input.PlaneSize, 0, input.Height, input.Height, input.Width, first, Math.Min(band, output.Height - first), output, first, context);
        }

        return output;
    }

    /// <summary>The padded input one band of <see cref="Forward"/> copies, in bytes.</summary>
    public const long ForwardBandBytes = 4L << 20;

    /// <summary>
    /// The output columns the layer computes to make the columns <paramref name="first"/> … <paramref name="end"/> − 1 of
    /// an output <paramref name="outputWidth"/> wide: those, or for a Winograd layer the whole tiles of the full frame's
    /// grid they lie in (spec/nic-model.md §10.3), clipped to the output.
    /// </summary>
    public (int First, int End) ComputedColumns(int first, int end, int outputWidth) =>
        _winograd is null
            ? (first, end)
            : (first / WinogradConvolution.Tile * WinogradConvolution.Tile, (int)Math.Min(outputWidth, ((long)end + WinogradConvolution.Tile - 1) / WinogradConvolution.Tile * WinogradConvolution.Tile));

    /// <summary>
    /// The input columns that the output columns <paramref name="first"/> … <paramref name="end"/> − 1 read, on an input
    /// <paramref name="inputWidth"/> columns wide: their kernel's reach (for a Winograd layer, every column of the input
    /// tiles of the whole tiles they lie in, the last one included, spec/nic-model.md §10.3), clipped to
    /// the input, and starting at a multiple of the stride so that output column j of those columns is output column
    /// j + first / stride of the input's.
    /// </summary>
    public (int First, int End) InputColumns(int first, int end, int inputWidth)
    {
        int pad = Kernel / 2;

        (first, end) = ComputedColumns(first, end, int.MaxValue);
        int reachEnd = _winograd is not null ? WinogradConvolution.InputColumnsEnd(end) : (Stride * (end - 1)) - pad + Kernel;
        int from = Math.Max(0, (Stride * first) - pad) / Stride * Stride;
        return (from, Math.Min(inputWidth, reachEnd));
    }

    /// <summary>The first input row output row <paramref name="row"/> reads (it may lie above the input, in the padding).</summary>
    public int FirstInputRow(int row) => (Stride * row) - (Kernel / 2);

    /// <summary>
    /// The output rows <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 of the layer on
    /// an input of <paramref name="inputHeight"/> rows, of which the rows <paramref name="windowStart"/> …
    /// <paramref name="windowStart"/> + <paramref name="windowRows"/> − 1 are given (channel planes <paramref name="planeStride"/>
    /// floats apart in <paramref name="window"/>): they must cover every input row those output rows read
    /// (<see cref="FirstInputRow"/>(first) … <see cref="InputRowsEnd"/> − 1, clipped to the input), and
    /// <paramref name="first"/> must be a multiple of <see cref="RowAlignment"/>. Rows outside the input are the zero
    /// padding; the result equals the same rows of <see cref="Forward"/> bit for bit in every arithmetic (every output
    /// element sees the same operations in the same order: the same products, or in the Winograd arithmetic the same
    /// tile's).
    /// </summary>
    /// <remarks>
    /// The rows are written to <paramref name="output"/> (OutChannels × at least <paramref name="outputRow"/> + count rows ×
    /// its width) from its row <paramref name="outputRow"/> on: the output columns <paramref name="outputColumn"/> … +
    /// output.Width − 1 of the layer on these <paramref name="width"/> input columns (all OutputSize(width) of them by
    /// default), so that a stream can compute only the columns the next layer reads.
    /// </remarks>
    public void ForwardRows(float[] window, long planeStride, int windowStart, int windowRows, int inputHeight, int width, int first, int count, FeatureMap output, int outputRow, LayerContext context, int outputColumn = 0)
    {
        if (outputColumn < 0 || (long)outputColumn + output.Width > OutputSize(width))
        {
            throw new ArgumentException($"output columns {outputColumn}…{outputColumn + output.Width - 1} of a layer of {OutputSize(width)} asked for");
        }

        if (_winograd is not null)
        {
            _winograd.ForwardRows(window, planeStride, windowStart, windowRows, inputHeight, width, first, count, output, outputRow, context, outputColumn);
            return;
        }

        int pad = Kernel / 2;
        int top = FirstInputRow(first);
        int rows = (Stride * (count - 1)) + Kernel, columns = width + (2 * pad);
        int inputFirst = Math.Max(0, top), inputEnd = Math.Min(inputHeight, top + rows);
        if (inputFirst < windowStart || inputEnd > windowStart + windowRows)
        {
            throw new ArgumentException($"input rows {inputFirst}…{inputEnd - 1} are needed, rows {windowStart}…{windowStart + windowRows - 1} given");
        }

        long sourceOffset = (long)(inputFirst - windowStart) * width;
        int sourceRows = Math.Max(0, inputEnd - inputFirst);
        float[] buffer;
        int rowStride;
        long channelStride;
        int[] offsets;
        if (Stride == 1)
        {
            buffer = PaddedPlanes.Pad(window, sourceOffset, planeStride, InChannels, sourceRows, width, inputFirst - top, pad, rows, columns, context.Buffers, context.CancellationToken);
            rowStride = columns;
            channelStride = (long)rows * columns;
            offsets = [.. _taps.Select(t => t.Ky * columns + t.Kx)];
        }
        else
        {
            buffer = PaddedPlanes.SplitPhases(window, sourceOffset, planeStride, InChannels, sourceRows, width, inputFirst - top, pad, rows, columns, context.Buffers, context.CancellationToken, out int phaseRows, out int phaseColumns);
            rowStride = phaseColumns;
            channelStride = 4L * phaseRows * phaseColumns;
            int phasePlane = phaseRows * phaseColumns;
            offsets = [.. _taps.Select(t => ((t.Ky & 1) * 2 + (t.Kx & 1)) * phasePlane + (t.Ky >> 1) * phaseColumns + (t.Kx >> 1))];
        }

        try
        {
            DirectConvolution.Run(
                new ConvolutionJob
                {
                    Input = buffer,
                    InputOffset = outputColumn,
                    InputChannelStride = channelStride,
                    InputRowStride = rowStride,
                    InputChannels = InChannels,
                    TapOffsets = offsets,
                    PackedWeights = _packed,
                    Bias = _bias,
                    Output = output.Data,
                    OutputOffset = (long)outputRow * output.Width,
                    OutputPlaneStride = output.PlaneSize,
                    OutputRowStride = output.Width,
                    OutputChannels = OutChannels,
                    OutputHeight = count,
                    OutputWidth = output.Width,
                    Arithmetic = _kernelArithmetic,
                },
                context.Parallelism,
                context.CancellationToken);
        }
        finally
        {
            context.Buffers.Return(buffer);
        }
    }
}
