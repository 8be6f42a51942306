namespace Nic.Codec.Inference;

/// <summary>
/// A 2-D transposed convolution with an odd square kernel k, stride 2, padding k/2 and output padding 1
/// (PyTorch's <c>ConvTranspose2d(cin, cout, k, 2, padding=k//2, output_padding=1)</c>): an H × W input gives a
/// 2H × 2W output. Weights are [cin, cout, k, k]. Output pixel (2j + py, 2i + px) receives
/// w[ci, co, ky, kx] · in[ci, iy, ix] for the taps with iy = j + (py + k/2 − ky)/2 and ix = i + (px + k/2 − kx)/2
/// integral; accumulation order: input channels ascending, then ky ascending, then kx ascending. In the Winograd
/// arithmetic a layer of kernel 5 with at least <see cref="WinogradConvolution.MinimumInputChannels"/> input channels
/// is computed by <see cref="WinogradTransposedConvolution"/> (in bands of input rows that start at multiples of
/// its tile), any other in the fused arithmetic.
/// </summary>
internal sealed class ConvTranspose2dLayer : ILayer
{
    private readonly PhaseKernel[] _phases = new PhaseKernel[4];
    private readonly float[] _bias;
    private readonly int _padBefore;
    private readonly int _padAfter;
    private readonly WinogradTransposedConvolution? _winograd;
    private readonly ManagedArithmetic _kernelArithmetic;

    public ConvTranspose2dLayer(int inChannels, int outChannels, int kernel, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        if (kernel < 1 || kernel % 2 == 0)
        {
            throw new ArgumentException($"kernel {kernel}: an odd kernel is supported");
        }

        if (weight.Length != inChannels * outChannels * kernel * kernel || bias.Length != outChannels)
        {
            throw new ArgumentException($"weights [{inChannels},{outChannels},{kernel},{kernel}] and bias [{outChannels}] expected; got {weight.Length} and {bias.Length} values");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Arithmetic = arithmetic;
        _kernelArithmetic = arithmetic.WithoutWinograd();
        if (arithmetic == ManagedArithmetic.Winograd && kernel == 5 && inChannels >= WinogradConvolution.MinimumInputChannels)
        {
            _winograd = new WinogradTransposedConvolution(inChannels, outChannels, weight, bias);
        }

        int pad = kernel / 2;
        int minShift = int.MaxValue, maxShift = int.MinValue;
        for (int p = 0; p < 2; p++)
        {
            foreach (int k in PhaseTaps(kernel, p))
            {
                int shift = (p + pad - k) / 2;
                minShift = Math.Min(minShift, shift);
                maxShift = Math.Max(maxShift, shift);
            }
        }

        _padBefore = Math.Max(0, -minShift);
        _padAfter = Math.Max(0, maxShift);
        // A Winograd layer never runs the direct kernel: it keeps only its transformed weights.
        float[] w = _winograd is null ? weight.ToArray() : [];
        for (int phase = 0; phase < 4 && _winograd is null; phase++)
        {
            int py = phase >> 1, px = phase & 1;
            var taps = new List<(int Ky, int Kx, int Dy, int Dx)>();
            foreach (int ky in PhaseTaps(kernel, py))
            {
                foreach (int kx in PhaseTaps(kernel, px))
                {
                    taps.Add((ky, kx, (py + pad - ky) / 2 + _padBefore, (px + pad - kx) / 2 + _padBefore));
                }
            }

            (int Ky, int Kx, int Dy, int Dx)[] list = [.. taps];
            float[] packed = DirectConvolution.PackWeights(outChannels, inChannels, list.Length, (co, ci, t) => w[((ci * outChannels + co) * kernel + list[t].Ky) * kernel + list[t].Kx]);
            _phases[phase] = new PhaseKernel(packed, [.. list.Select(t => (t.Dy, t.Dx))]);
        }

        _bias = new float[(outChannels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];
        bias.CopyTo(_bias);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Kernel { get; }

    /// <summary>How the products are accumulated (spec/nic-model.md §10).</summary>
    public ManagedArithmetic Arithmetic { get; }

    /// <summary>Whether the layer runs as a <see cref="WinogradTransposedConvolution"/>.</summary>
    public bool IsWinograd => _winograd is not null;

    /// <summary>
    /// The input row a band of <see cref="ForwardRows"/> must start at a multiple of (a band that ends at the input's
    /// last row may end anywhere): the Winograd tile, or 1.
    /// </summary>
    public int RowAlignment => _winograd is null ? 1 : WinogradTransposedConvolution.Tile;

    /// <summary>
    /// One past the last input row that the output rows of input rows <paramref name="first"/> … + <paramref name="count"/> − 1
    /// read on an input of <paramref name="inputHeight"/> rows (a Winograd layer's: those of their whole tile rows).
    /// </summary>
    public int InputRowsEnd(int first, int count, int inputHeight) =>
        _winograd is not null ? WinogradTransposedConvolution.InputRowsEnd(first, count, inputHeight) : Math.Min(inputHeight, first + count + _padAfter);

    /// <summary>
    /// The output columns (or rows) next to a window's cut edge that may differ from the full frame's when
    /// <paramref name="spoiled"/> input columns next to it do (spec/nic-model.md §10.1): twice as many and the kernel's
    /// reach, k/2, or for a Winograd layer those of the tiles that read a spoiled column (<see cref="WinogradTransposedConvolution.SpoiledOutputs"/>).
    /// </summary>
    public int SpoiledOutputs(int spoiled) =>
        _winograd is not null ? WinogradTransposedConvolution.SpoiledOutputs(spoiled) : (2 * spoiled) + (Kernel / 2);

    /// <summary>Zero rows (and columns) added before the input in the padded buffer the phases read.</summary>
    public int PadBefore => _padBefore;

    /// <summary>Zero rows (and columns) added after the input in the padded buffer the phases read.</summary>
    public int PadAfter => _padAfter;

    /// <summary>The kernel rows (or columns) that reach output phase <paramref name="phase"/>, ascending.</summary>
    public static IEnumerable<int> PhaseTaps(int kernel, int phase)
    {
        for (int k = 0; k < kernel; k++)
        {
            if (((phase + kernel / 2 - k) & 1) == 0)
            {
                yield return k;
            }
        }
    }

    public bool WritesInPlace => false;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        if (input.Channels != InChannels)
        {
            throw new ArgumentException($"the layer takes {InChannels} channels, not {input.Channels}");
        }

        FeatureMap output = context.Buffers.RentMap(OutChannels, 2 * input.Height, 2 * input.Width);
        ForwardRows(input.Data, input.PlaneSize, input.Width, 0, 0, input.Height, input.Height, input.Width, 0, input.Height, output, 0, context);
        return output;
    }

    /// <summary>
    /// The output rows 2·<paramref name="first"/> … 2·(<paramref name="first"/> + <paramref name="count"/>) − 1 of the
    /// layer on an input of <paramref name="inputHeight"/> rows, of which the rows <paramref name="windowStart"/> …
    /// <paramref name="windowStart"/> + <paramref name="windowRows"/> − 1 are given (channel planes <paramref name="planeStride"/>
    /// floats apart in <paramref name="window"/>, rows <paramref name="rowStride"/> floats apart, the input's column 0 at
    /// column <paramref name="columnOffset"/> of them, so that a layer can read a window of columns too): they must cover every input row those output rows read
    /// (<paramref name="first"/> − <see cref="PadBefore"/> … <paramref name="first"/> + <paramref name="count"/> − 1 +
    /// <see cref="PadAfter"/>, clipped to the input). Rows outside the input are the zero padding; the result equals
    /// the same rows of <see cref="Forward"/> bit for bit.
    /// </summary>
    /// <remarks>
    /// The rows are written to <paramref name="output"/> (OutChannels × at least <paramref name="outputRow"/> + 2·count
    /// rows × 2·width) from its row <paramref name="outputRow"/> on.
    /// </remarks>
    public void ForwardRows(float[] window, long planeStride, int rowStride, int columnOffset, int windowStart, int windowRows, int inputHeight, int width, int first, int count, FeatureMap output, int outputRow, LayerContext context)
    {
        if (output.Channels != OutChannels || output.Width != 2 * width || outputRow < 0 || outputRow + (2L * count) > output.Height)
        {
            throw new ArgumentException($"an output of {OutChannels} × ({outputRow} + {2 * count}) × {2 * width} expected; got {output.Channels} × {output.Height} × {output.Width}");
        }

        if (_winograd is not null)
        {
            _winograd.ForwardRows(window, planeStride, rowStride, columnOffset, windowStart, windowRows, inputHeight, width, first, count, output, outputRow, context);
            return;
        }

        int rows = count + _padBefore + _padAfter, columns = width + _padBefore + _padAfter;
        long plane = (long)rows * columns;
        int top = Math.Max(0, first - _padBefore), bottom = Math.Min(inputHeight, first + count + _padAfter);
        if (top < windowStart || bottom > windowStart + windowRows)
        {
            throw new ArgumentException($"input rows {top}…{bottom - 1} are needed, rows {windowStart}…{windowStart + windowRows - 1} given");
        }

        float[] buffer = PaddedPlanes.Pad(
            window, ((long)(top - windowStart) * rowStride) + columnOffset, planeStride, InChannels, bottom - top, width,
            top - first + _padBefore, _padBefore, rows, columns, context.Buffers, context.CancellationToken, rowStride);

        try
        {
            // Each phase (py, px) writes its pixels straight into the output: every other column of every other row.
            // The four phases read the same input rows, so they run interleaved, item by item.
            var jobs = new ConvolutionJob[4];
            for (int phase = 0; phase < 4; phase++)
            {
                PhaseKernel kernel = _phases[phase];
                jobs[phase] = new ConvolutionJob
                {
                    Input = buffer,
                    InputChannelStride = plane,
                    InputRowStride = columns,
                    InputChannels = InChannels,
                    TapOffsets = [.. kernel.Shifts.Select(s => s.Dy * columns + s.Dx)],
                    PackedWeights = kernel.PackedWeights,
                    Bias = _bias,
                    Output = output.Data,
                    OutputOffset = ((outputRow + (phase >> 1)) * (long)output.Width) + (phase & 1),
                    OutputPlaneStride = output.PlaneSize,
                    OutputRowStride = 2 * output.Width,
                    OutputColumnStride = 2,
                    OutputChannels = OutChannels,
                    OutputHeight = count,
                    OutputWidth = width,
                    Arithmetic = _kernelArithmetic,
                };
            }

            DirectConvolution.Run(jobs, context.Parallelism, context.CancellationToken);
        }
        finally
        {
            context.Buffers.Return(buffer);
        }
    }

    private sealed record PhaseKernel(float[] PackedWeights, (int Dy, int Dx)[] Shifts);
}
