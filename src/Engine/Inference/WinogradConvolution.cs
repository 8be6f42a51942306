using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nic.Codec.Inference;

/// <summary>
/// A convolution of kernel 5, stride 2 and padding 2 by Winograd's minimal filtering F(4 × 4, 3 × 3) (Lavin and Gray
/// 2016): the Winograd arithmetic of g_a (spec/nic-model.md §10.3). Over the 2 × 2 phases of the padded input
/// (x_ab[i][j] = padded[2i + a][2j + b]: 4·cin channels) the stride-2 5 × 5 convolution is a stride-1 3 × 3 one whose taps
/// past the kernel are zero. F(4 × 4, 3 × 3) makes each 4 × 4 tile of its output from the 6 × 6 tile of input under it:
/// the input tile transformed (V = Bᵀ d B), multiplied point by point with the transformed weights (U = G g Gᵀ, made
/// once in double precision and rounded) and summed over the channels — 36 matrix products, which
/// <see cref="DirectConvolution"/>'s kernel computes as 1 × 1 convolutions with fused multiply-adds — then transformed back
/// (Aᵀ M A) and the bias added. That is 36 · 4·cin products a tile and output channel where the direct convolution takes
/// 16 · 25 · cin: 0.36 of its multiply-adds, plus the transforms.
/// </summary>
/// <remarks>
/// Every output element's operations are fixed by the tile it lies in (tiles start at output row 0 and at the output
/// column <c>outputColumn</c> of the input it is given), in the same order whatever the vector width, the thread count or
/// the rows computed with it, so the result is the full frame's on every machine for a band of rows that starts at a
/// multiple of <see cref="Tile"/> and columns that start on the full frame's tile grid, every input column of their
/// tiles given. It differs from the direct convolution's by rounding
/// (tests hold it to a relative 10⁻⁵ of the largest output, and to a scalar model of spec/nic-model.md §10.3 bit for
/// bit). Phase row 5 of the odd row phase, which only zero taps read and which lies below the rows a band needs, is
/// taken as +0, so that no band reads it.
/// </remarks>
internal sealed unsafe class WinogradConvolution
{
    /// <summary>Output rows and columns a tile: F(4 × 4, 3 × 3).</summary>
    public const int Tile = 4;

    /// <summary>Input rows and columns a tile (Tile + 3 − 1) and so the side of the transforms.</summary>
    internal const int Alpha = 6;

    /// <summary>Points of the transform: the matrix products per tile.</summary>
    internal const int Points = Alpha * Alpha;

    /// <summary>
    /// The fewest input channels a layer takes this form with: a measured threshold. g_a's first layer (3 channels) ran no
    /// faster this way (AVX-512 off, a 3-megapixel encode, two interleaved pairs: 1.17/1.19 s against 1.14/1.18 s).
    /// </summary>
    public const int MinimumInputChannels = 16;

    private readonly float[] _bias;
    private readonly float[] _zeroBias;
    private readonly Lazy<float[][]> _packed;

    public WinogradConvolution(int inChannels, int outChannels, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (weight.Length != outChannels * inChannels * 25 || bias.Length != outChannels)
        {
            throw new ArgumentException($"weights [{outChannels},{inChannels},5,5] and bias [{outChannels}] expected; got {weight.Length} and {bias.Length} values");
        }

        (InChannels, OutChannels) = (inChannels, outChannels);
        _bias = bias.ToArray();
        _zeroBias = new float[(outChannels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];

        // Transformed on first use: a decoder that never encodes does not pay for it (the weights are let go once packed).
        float[] weights = weight.ToArray();
        _packed = new Lazy<float[][]>(() => TransformWeights(weights), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    /// <summary>G of F(4, 3) at the points 0, ±1, ±2 and ∞.</summary>
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    /// <summary>U_ξ = (G g Gᵀ)[ξ / 6, ξ % 6] for every output channel, input channel and phase, packed for the kernel, one array a point ξ.</summary>
    private float[][] TransformWeights(float[] weight)
    {
        // Written straight into the kernel's packing (DirectConvolution.PackWeights of 4·cin channels of one tap, a channel's
        // four phases in turn: [((co / 8)·cin + ci)·4 + phase]·8 + co % 8), with no whole-layer copy in between.
        int cin = InChannels, cout = OutChannels, block = DirectConvolution.ChannelBlock;
        int blocks = (cout + block - 1) / block;
        var packed = new float[Points][];
        for (int p = 0; p < Points; p++)
        {
            packed[p] = new float[blocks * cin * 4 * block];
        }

        Span<double> g = stackalloc double[9];
        Span<float> u = stackalloc float[Points];
        for (int co = 0; co < cout; co++)
        {
            for (int ci = 0; ci < cin; ci++)
            {
                for (int phase = 0; phase < 4; phase++)
                {
                    int a = phase >> 1, b = phase & 1;
                    for (int y = 0; y < 3; y++)
                    {
                        for (int x = 0; x < 3; x++)
                        {
                            int ky = (2 * y) + a, kx = (2 * x) + b;
                            g[(y * 3) + x] = ky < 5 && kx < 5 ? weight[(((co * cin) + ci) * 25) + (ky * 5) + kx] : 0;
                        }
                    }

                    TransformKernel(g, u);
                    int at = ((((co / block * cin) + ci) * 4) + phase) * block + (co % block);
                    for (int p = 0; p < Points; p++)
                    {
                        packed[p][at] = u[p];
                    }
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// U = G g Gᵀ of one 3 × 3 kernel <paramref name="g"/> (row-major) into the 36 points of <paramref name="u"/>
    /// (point (i, j) at 6i + j), in binary64 and rounded to binary32 once (spec/nic-model.md §10.3, step 3):
    /// h[i][x] = (G[i,0]·g[0][x] + G[i,1]·g[1][x]) + G[i,2]·g[2][x], then U[i][j] = (h[i][0]·G[j,0] + h[i][1]·G[j,1]) + h[i][2]·G[j,2].
    /// Both Winograd layers (this one and <see cref="WinogradTransposedConvolution"/>) transform their kernels here.
    /// </summary>
    internal static void TransformKernel(ReadOnlySpan<double> g, Span<float> u)
    {
        Span<double> h = stackalloc double[Alpha * 3];
        for (int i = 0; i < Alpha; i++)
        {
            for (int x = 0; x < 3; x++)
            {
                h[(i * 3) + x] = (G[i, 0] * g[x]) + (G[i, 1] * g[3 + x]) + (G[i, 2] * g[6 + x]);
            }
        }

        for (int i = 0; i < Alpha; i++)
        {
            for (int j = 0; j < Alpha; j++)
            {
                u[(i * Alpha) + j] = (float)((h[i * 3] * G[j, 0]) + (h[(i * 3) + 1] * G[j, 1]) + (h[(i * 3) + 2] * G[j, 2]));
            }
        }
    }

    /// <summary>
    /// One past the last input row that output rows <paramref name="first"/> … + <paramref name="count"/> − 1 read on an
    /// input of <paramref name="inputHeight"/> rows: input rows 8R − 2 … 8R + 8 of each of their tile rows R (row 8R + 9,
    /// phase row 5 of the odd row phase, is taken as +0).
    /// </summary>
    public static int InputRowsEnd(int first, int count, int inputHeight) =>
        Math.Min(inputHeight, (2 * (first + ((count + Tile - 1) / Tile * Tile))) + 1);

    /// <summary>
    /// One past the last input column that the whole tiles of output columns … <paramref name="end"/> − 1
    /// (<paramref name="end"/> a multiple of <see cref="Tile"/>) read, unclipped: tile t reads input columns 8t − 2 …
    /// 8t + 9, the last of them included (only the rows have a phase row taken as +0).
    /// </summary>
    public static int InputColumnsEnd(int end) => (2 * end) + 2;

    /// <summary>
    /// The output rows <paramref name="first"/> (a multiple of <see cref="Tile"/>) … <paramref name="first"/> +
    /// <paramref name="count"/> − 1, as <see cref="Conv2dLayer.ForwardRows"/> (the same operands), written from
    /// <paramref name="outputRow"/> of <paramref name="output"/>, and of them the columns <paramref name="outputColumn"/> …
    /// + output.Width − 1: the tiles start at output column <paramref name="outputColumn"/> of this window, which must lie
    /// on the full frame's tile grid for the full frame's bits. The window must hold every input row those rows read
    /// (<see cref="Conv2dLayer.InputRowsEnd"/>).
    /// </summary>
    /// <remarks>
    /// The tiles go in blocks of one tile row × the kernel's column block of tile columns (and a row's last few tiles), each transformed, multiplied and
    /// transformed back by one thread, so that its operands stay in that core's caches.
    /// </remarks>
    public void ForwardRows(float[] window, long planeStride, int windowStart, int windowRows, int inputHeight, int width, int first, int count, FeatureMap output, int outputRow, LayerContext context, int outputColumn = 0)
    {
        if (first % Tile != 0)
        {
            throw new ArgumentException($"a band of a Winograd convolution starts at a multiple of {Tile} rows, not at row {first}");
        }

        int tileRows = (count + Tile - 1) / Tile;
        int needFirst = Math.Max(0, (2 * first) - 2), needEnd = InputRowsEnd(first, count, inputHeight);
        if (needFirst < windowStart || needEnd > windowStart + windowRows)
        {
            throw new ArgumentException($"input rows {needFirst}…{needEnd - 1} are needed, rows {windowStart}…{windowStart + windowRows - 1} given");
        }

        int outputWidth = output.Width;
        if (output.Channels != OutChannels || outputColumn < 0 || (long)outputColumn + outputWidth > ((width - 1) / 2) + 1 || outputRow < 0 || outputRow + count > output.Height
            || windowRows < 0 || window.Length < ((InChannels - 1) * planeStride) + ((long)windowRows * width))
        {
            throw new ArgumentException($"{InChannels} channels of {windowRows} × {width} and an output of {OutChannels} × ({outputRow} + {count}) × at most {((width - 1) / 2) + 1} − {outputColumn} columns expected; got {window.Length} floats and {output.Channels} × {output.Height} × {output.Width}");
        }

        int tilesX = (outputWidth + Tile - 1) / Tile;
        // A block is the kernel's column block of tiles: 24 with 256-bit vectors, 32 with 512-bit ones. The few tiles a
        // row has left after its whole blocks (a stripe's 65 tiles of g_a.2 on a 2016-pixel-wide photo: 1 after two blocks of 32) join its last block, whose
        // products compute them with the kernel of a few columns (DirectConvolution.FewColumns) while the block's weights
        // are in cache, instead of a block of their own that costs a whole vector of tiles and a pass over all weights.
        int blockTiles = DirectConvolution.UseWideVectors ? DirectConvolution.WideColumnBlock : DirectConvolution.ColumnBlock;
        int blocksX = tilesX / blockTiles, rest = tilesX % blockTiles;
        bool join = blocksX > 0 && rest > 0 && DirectConvolution.FewColumns(blockTiles + rest, OutChannels) == rest;
        blocksX += rest > 0 && !join ? 1 : 0;
        int capacity = (blockTiles + (join ? rest : 0) + 7) / 8 * 8;
        var block = new Block(this, _packed.Value, window, planeStride, windowStart, windowRows, inputHeight, width, 2 * outputColumn, output, outputWidth, capacity, context);
        ForEach(tileRows * blocksX, context, i =>
        {
            int r = i / blocksX, firstTile = i % blocksX * blockTiles;
            int tiles = i % blocksX == blocksX - 1 ? tilesX - firstTile : blockTiles;
            block.Run((first / Tile) + r, firstTile, tiles, outputRow + (r * Tile), Math.Min(Tile, count - (r * Tile)));
        });
    }

    internal static void ForEach(int count, LayerContext context, Action<int> body)
    {
        if (context.Parallelism <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = context.Parallelism, CancellationToken = context.CancellationToken }, body);
    }

    /// <summary>The operands of one <see cref="ForwardRows"/> call, and the work of one block of tiles.</summary>
    private sealed class Block(WinogradConvolution owner, float[][] packed, float[] window, long planeStride, int windowStart, int windowRows, int inputHeight, int width, int inputColumn, FeatureMap output, int outputWidth, int capacity, LayerContext context)
    {
        /// <summary>
        /// The most tile columns a block holds (and floats a row of its buffers; a multiple of 8, the transforms' vector).
        /// Which tiles share a block changes no result.
        /// </summary>
        public int Tiles { get; } = capacity;

        /// <summary>
        /// The tiles <paramref name="firstTile"/> … + <paramref name="tiles"/> − 1 of tile row <paramref name="tileRow"/>,
        /// into <paramref name="rows"/> rows of the output from <paramref name="outputRow"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int tileRow, int firstTile, int tiles, int outputRow, int rows)
        {
            int cin = owner.InChannels, cout = owner.OutChannels;

            // The transforms' vectors cover the block's tiles only (a row's last block of 18 of 24 tiles transforms 24,
            // not the buffers' whole capacity).
            int lanes = (tiles + 7) / 8 * 8;
            BufferPool pool = context.Buffers;
            float[] transformed = pool.Rent(TransformedRow(Points, 0, 0, cin, Tiles) + DirectConvolution.InputSlack, zeroed: false, context.CancellationToken);
            float[] products = pool.Rent((long)Points * cout * Tiles, zeroed: false, context.CancellationToken);
            float[] scratch = ArrayPool<float>.Shared.Rent(Math.Max((8 * (Tiles + 8)) + (12 * 2 * Alpha * Tiles), (Tile * Alpha * Tiles) + (Tile * Tiles)));
            try
            {
                for (int ci = 0; ci < cin; ci++)
                {
                    TransformInput(ci, tileRow, firstTile, lanes, transformed, scratch);
                }

                // One matrix product a point over the block's tiles: for each input channel ascending, its four phases, with
                // fused multiply-adds from +0. A point's rows lie one after another in that order (TransformedRow), so the
                // kernel takes them as 4·cin channels of one tap at offset 0, whose loop has no inner loop over taps and no
                // lookup of their offsets (DirectConvolution.SingleTap): the same products in the same order, and the
                // weights' packing, phase within channel, is that of 4·cin channels. One g_a.2-shaped layer with AVX-512
                // off (one thread, min of 30, interleaved): 20.7 / 19.7 → 19.5 / 18.9 ms (session 32, docs/performance.md).
                // Session 30 gave the same rows to the kernel whose loop over taps still ran once a channel: no faster.
                for (int p = 0; p < Points; p++)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    PointProduct(transformed, TransformedRow(p, 0, 0, cin, Tiles), 4 * cin, packed[p], owner._zeroBias, products, (long)p * cout * Tiles, cout, tiles, Tiles);
                }

                ClearPastTiles(products, (long)Points * cout, tiles, lanes, Tiles);

                for (int co = 0; co < cout; co++)
                {
                    TransformOutput(products, co, firstTile, tiles, lanes, outputRow, rows, scratch);
                }
            }
            finally
            {
                pool.Return(transformed);
                pool.Return(products);
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        /// <summary>
        /// Where the transformed input's row of point ξ, input channel ci and phase p starts (its tiles follow): point-major,
        /// ξ·(4·cin·Tiles + 16) + (ci·4 + p)·Tiles, so that point ξ's product reads its 4·cin rows one after another (the
        /// channels of a 1 × 1 convolution). Channel-major (((36·ci + ξ)·4 + p)·Tiles, as before)
        /// put a point's rows 144 rows apart: with 256-bit vectors and 96 channels a product then reached 96 pages at a 13.8 KB
        /// stride in each of its 24 passes (a channel block's two halves) and ran slower (session 29, docs/performance.md).
        /// The 16 floats (a cache line) after each point's rows keep the points from lying a multiple of 4 KB apart (96
        /// channels × 4 phases × 24 tiles is 36 KB): the input transform writes one channel's rows of all 36 points in turn,
        /// and at such a stride they all fell in the same sets of the L1 cache (one g_a.2-shaped layer, AVX-512 off: 3–5 %
        /// faster with the padding; session 30).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static long TransformedRow(int point, int ci, int phase, int channels, int tiles) => ((long)point * ((4L * channels * tiles) + PointPadding)) + ((((long)ci * 4) + phase) * tiles);

        /// <summary>The floats after each point's rows in the transformed input (<see cref="TransformedRow"/>).</summary>
        private const int PointPadding = 16;

        /// <summary>
        /// V = Bᵀ d B of the block's tiles for the four phases of input channel <paramref name="ci"/>, at
        /// <see cref="TransformedRow"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformInput(int ci, int tileRow, int firstTile, int lanes, float[] transformed, float[] scratch)
        {
            // The 12 input rows under the tile row (8·tileRow − 2 …), each cut in turn into its columns modulo 8 (column
            // 8(firstTile + t) + m − 2 at [m][t]); then, per row and column phase b, the row transform of its six phase
            // columns (b, b + 2, … b + 10: the last two are columns b and b + 2 of the next tile); then, per phase and
            // column of the transform, the column transform of its six phase rows.
            int rowLength = Tiles + 8;
            int cin = owner.InChannels;
            long pointStride = TransformedRow(1, 0, 0, cin, Tiles);
            long rowStride = 2 * 2 * Alpha * Tiles;
            fixed (float* buffer = scratch)
            fixed (float* source = window)
            fixed (float* v = transformed)
            {
                float* split = buffer;
                float* rows = buffer + (8 * rowLength);
                int top = (8 * tileRow) - 2;
                for (int k = 0; k < 12; k++)
                {
                    // Input row 11 under the tile row is phase row 5 of the odd phase: only zero taps read it, taken as +0.
                    int y = top + k;
                    bool inside = k < 11 && y >= 0 && y < inputHeight && y >= windowStart && y < windowStart + windowRows;
                    float* row = inside ? source + (ci * planeStride) + ((long)(y - windowStart) * width) : null;
                    if (inside && ci + 1 < cin && Sse.IsSupported)
                    {
                        // The next channel's row under the block, asked for now: each channel's rows are a stream of their own.
                        float* next = row + planeStride + Math.Max(0, inputColumn + (8 * firstTile) - 2);
                        float* last = row + planeStride + Math.Min(width, inputColumn + (8 * (firstTile + Tiles)) + 8) - 1;
                        for (float* line = next; line <= last; line += 16)
                        {
                            Sse.Prefetch0(line);
                        }

                        Sse.Prefetch0(last);
                    }

                    SplitColumns(row, width, inputColumn + (8 * firstTile), split, rowLength, lanes + 1);
                    for (int b = 0; b < 2; b++)
                    {
                        float* s = split + (b * rowLength);
                        InputTransform(s, s + (2 * rowLength), s + (4 * rowLength), s + (6 * rowLength), s + 1, s + (2 * rowLength) + 1, rows + ((((k * 2) + b) * Alpha) * Tiles), Tiles, lanes);
                    }
                }

                for (int phase = 0; phase < 4; phase++)
                {
                    // Phase row r of the tile is input row 2r + a under it; output i goes to point 6i + j.
                    for (int j = 0; j < Alpha; j++)
                    {
                        float* f = rows + (((phase * Alpha) + j) * Tiles);
                        InputTransform(f, f + rowStride, f + (2 * rowStride), f + (3 * rowStride), f + (4 * rowStride), f + (5 * rowStride), v + TransformedRow(j, ci, phase, cin, Tiles), Alpha * pointStride, lanes);
                    }
                }
            }
        }

        /// <summary>
        /// Y = Aᵀ M A + bias of output channel <paramref name="co"/> for the block's tiles, into <paramref name="rows"/>
        /// rows of the output from <paramref name="outputRow"/>, columns 4·firstTile … (those below the output's width).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformOutput(float[] products, int co, int firstTile, int tiles, int lanes, int outputRow, int rows, float[] scratch)
        {
            int cout = owner.OutChannels;
            fixed (float* buffer = scratch)
            fixed (float* m = products)
            fixed (float* destination = output.Data)
            {
                float* columns = buffer;
                float* line = buffer + (Tile * Alpha * Tiles);

                // Down the columns of the tiles: six rows of points into four (columns[k][j][t]); point (i, j) at 6i + j.
                long pointRow = Alpha * (long)cout * Tiles;
                for (int j = 0; j < Alpha; j++)
                {
                    OutputColumns(m + ((((j * (long)cout) + co) * Tiles)), pointRow, columns + (j * Tiles), Tiles, lanes);
                }

                // Across: each row's six columns into four, the bias, and out with the tiles' columns side by side.
                int firstColumn = Tile * firstTile, end = Math.Min(outputWidth, Tile * (firstTile + tiles));
                for (int k = 0; k < rows; k++)
                {
                    OutputRow(columns + (k * Alpha * Tiles), line, owner._bias[co], Tiles, lanes);

                    float* target = destination + ((long)co * output.PlaneSize) + ((long)(outputRow + k) * output.Width);
                    int x = firstColumn;
                    if (Avx.IsSupported)
                    {
                        // Eight tiles' four columns at once, while all 32 fall within the output row.
                        for (int t8 = 0; x + (8 * Tile) <= end; t8 += 8, x += 8 * Tile)
                        {
                            Interleave4x8(line + t8, Tiles, target + x);
                        }
                    }

                    for (; x < end; x++)
                    {
                        int within = x - firstColumn;
                        target[x] = line[((within % Tile) * Tiles) + (within / Tile)];
                    }
                }
            }
        }
    }

    /// <summary>
    /// One point's matrix product over a block's tiles (spec/nic-model.md §10.3, step 5): for each output channel, the
    /// <paramref name="channels"/> rows of <paramref name="transformed"/> from <paramref name="inputOffset"/> (one after
    /// another, <paramref name="stride"/> floats each) times the packed weights, with fused multiply-adds from +0 in
    /// channel order, into rows of <paramref name="products"/> from <paramref name="outputOffset"/>. The kernel takes them
    /// as a 1 × 1 convolution of one tap at offset 0 (<see cref="DirectConvolution.SingleTapOffsets"/>), whose loop has no
    /// inner loop over taps and no lookup of their offsets. Both Winograd layers make their products here.
    /// </summary>
    internal static void PointProduct(float[] transformed, long inputOffset, int channels, float[] packed, float[] zeroBias, float[] products, long outputOffset, int outputChannels, int tiles, int stride) =>
        DirectConvolution.Run(
            new ConvolutionJob
            {
                Input = transformed,
                InputOffset = inputOffset,
                InputChannelStride = stride,
                InputRowStride = stride,
                InputChannels = channels,
                TapOffsets = DirectConvolution.SingleTapOffsets,
                PackedWeights = packed,
                Bias = zeroBias,
                Output = products,
                OutputOffset = outputOffset,
                OutputPlaneStride = stride,
                OutputRowStride = stride,
                OutputChannels = outputChannels,
                OutputHeight = 1,
                OutputWidth = tiles,
                Arithmetic = ManagedArithmetic.Fused,
            },
            parallelism: 1);

    /// <summary>
    /// Clears the columns <paramref name="tiles"/> … <paramref name="lanes"/> − 1 of <paramref name="rows"/> rows of
    /// <paramref name="stride"/> floats: a partial block's products past its tiles, which the kernel did not write and
    /// the output transform reads in its vectors.
    /// </summary>
    internal static void ClearPastTiles(float[] products, long rows, int tiles, int lanes, int stride)
    {
        if (tiles < lanes)
        {
            for (long row = 0; row < rows; row++)
            {
                products.AsSpan((int)((row * stride) + tiles), lanes - tiles).Clear();
            }
        }
    }

    /// <summary>
    /// The output transform down one column j of a block's tiles (spec/nic-model.md §10.3, step 6): the six points
    /// (i, j), i &lt; 6, of one output channel, at <paramref name="points"/> + i·<paramref name="down"/>, into four rows
    /// k at <paramref name="columns"/> + k·6·<paramref name="stride"/> (columns[k][j][t] for a <paramref name="columns"/>
    /// already at column j).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OutputColumns(float* points, long down, float* columns, int stride, int lanes)
    {
        long rowStep = Alpha * (long)stride;
        int t = 0;
        for (; DirectConvolution.UseWideVectors && t + 16 <= lanes; t += 16)
        {
            OutputTransform(
                Vector512.Load(points + t), Vector512.Load(points + down + t), Vector512.Load(points + (2 * down) + t),
                Vector512.Load(points + (3 * down) + t), Vector512.Load(points + (4 * down) + t), Vector512.Load(points + (5 * down) + t),
                out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3);
            y0.Store(columns + t);
            y1.Store(columns + rowStep + t);
            y2.Store(columns + (2 * rowStep) + t);
            y3.Store(columns + (3 * rowStep) + t);
        }

        for (; t < lanes; t += 8)
        {
            OutputTransform(
                Vector256.Load(points + t), Vector256.Load(points + down + t), Vector256.Load(points + (2 * down) + t),
                Vector256.Load(points + (3 * down) + t), Vector256.Load(points + (4 * down) + t), Vector256.Load(points + (5 * down) + t),
                out Vector256<float> y0, out Vector256<float> y1, out Vector256<float> y2, out Vector256<float> y3);
            y0.Store(columns + t);
            y1.Store(columns + rowStep + t);
            y2.Store(columns + (2 * rowStep) + t);
            y3.Store(columns + (3 * rowStep) + t);
        }
    }

    /// <summary>
    /// The output transform across one row k of a block's tiles and the bias (spec/nic-model.md §10.3, step 6): its six
    /// columns at <paramref name="row"/> + j·<paramref name="stride"/> into four at <paramref name="line"/> + l·<paramref name="stride"/>,
    /// each + <paramref name="bias"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OutputRow(float* row, float* line, float bias, int stride, int lanes)
    {
        int t = 0;
        if (DirectConvolution.UseWideVectors)
        {
            var bias16 = Vector512.Create(bias);
            for (; t + 16 <= lanes; t += 16)
            {
                OutputTransform(
                    Vector512.Load(row + t), Vector512.Load(row + stride + t), Vector512.Load(row + (2 * stride) + t),
                    Vector512.Load(row + (3 * stride) + t), Vector512.Load(row + (4 * stride) + t), Vector512.Load(row + (5 * stride) + t),
                    out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3);
                (y0 + bias16).Store(line + t);
                (y1 + bias16).Store(line + stride + t);
                (y2 + bias16).Store(line + (2 * stride) + t);
                (y3 + bias16).Store(line + (3 * stride) + t);
            }
        }

        var bias8 = Vector256.Create(bias);
        for (; t < lanes; t += 8)
        {
            OutputTransform(
                Vector256.Load(row + t), Vector256.Load(row + stride + t), Vector256.Load(row + (2 * stride) + t),
                Vector256.Load(row + (3 * stride) + t), Vector256.Load(row + (4 * stride) + t), Vector256.Load(row + (5 * stride) + t),
                out Vector256<float> y0, out Vector256<float> y1, out Vector256<float> y2, out Vector256<float> y3);
            (y0 + bias8).Store(line + t);
            (y1 + bias8).Store(line + stride + t);
            (y2 + bias8).Store(line + (2 * stride) + t);
            (y3 + bias8).Store(line + (3 * stride) + t);
        }
    }

    /// <summary>
    /// Columns first + 8t + m − 2 of <paramref name="row"/> (zero outside 0 … width − 1, or everywhere for a null row) at
    /// split[m·rowLength + t], t &lt; <paramref name="count"/> (with AVX, a last group of 2 to 7 tiles writes tiles up to
    /// the next multiple of 8 too, within <paramref name="rowLength"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void SplitColumns(float* row, int width, int first, float* split, int rowLength, int count)
    {
        if (row is null)
        {
            new Span<float>(split, 8 * rowLength).Clear();
            return;
        }

        int t = 0;
        float* part = stackalloc float[8];
        while (t < count)
        {
            int x0 = first + (8 * t) - 2;
            // With AVX every group of eight tiles takes the transpose (the callers' rowLength, Tiles + 8, always leaves
            // room: t + 8 ≤ lanes + 8), but a last single tile (the block's one past its vectors, whose columns 0…3 the row
            // transforms read) takes the loop below, the path without AVX: eight copies instead of a whole transpose.
            if (Avx.IsSupported && t + 8 <= rowLength && count - t > 1)
            {
                // Eight tiles' eight columns at once: an 8 × 8 transpose (a copy, so the same floats as the loop below).
                // Where they reach past the row's ends (a stripe's edges), each of the eight vectors is read as it lies
                // within the row: whole, +0, or (the one that straddles an end) copied element by element; nothing
                // outside the row is touched. The tiles past count are scratch.
                float* from = row + x0;
                if (x0 < 0 || x0 + 64 > width)
                {
                    Transpose8x8(
                        Within(from, x0, width, part), Within(from + 8, x0 + 8, width, part), Within(from + 16, x0 + 16, width, part), Within(from + 24, x0 + 24, width, part),
                        Within(from + 32, x0 + 32, width, part), Within(from + 40, x0 + 40, width, part), Within(from + 48, x0 + 48, width, part), Within(from + 56, x0 + 56, width, part),
                        split + t,
                        rowLength);
                }
                else
                {
                    Transpose8x8(
                        Avx.LoadVector256(from), Avx.LoadVector256(from + 8), Avx.LoadVector256(from + 16), Avx.LoadVector256(from + 24),
                        Avx.LoadVector256(from + 32), Avx.LoadVector256(from + 40), Avx.LoadVector256(from + 48), Avx.LoadVector256(from + 56),
                        split + t,
                        rowLength);
                }

                t += 8;
                continue;
            }

            for (int m = 0; m < 8; m++)
            {
                int x = x0 + m;
                split[(m * rowLength) + t] = x >= 0 && x < width ? row[x] : 0;
            }

            t++;
        }
    }

    /// <summary>
    /// The eight columns x … x + 7 of a row of <paramref name="width"/> at <paramref name="at"/> (= row + x), +0 outside
    /// 0 … width − 1, reading only elements within it (through <paramref name="part"/>, eight floats, where they straddle an end).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Within(float* at, int x, int width, float* part)
    {
        if (x >= 0 && x + 8 <= width)
        {
            return Avx.LoadVector256(at);
        }

        if (x + 8 <= 0 || x >= width)
        {
            return Vector256<float>.Zero;
        }

        for (int i = 0; i < 8; i++)
        {
            part[i] = x + i >= 0 && x + i < width ? at[i] : 0;
        }

        return Avx.LoadVector256(part);
    }

    /// <summary>target[m·stride + t] = r_t[m] for t, m &lt; 8: eight vectors of eight tiles' columns, transposed (a copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3, Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* target, int stride)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + (2 * stride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + (3 * stride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + (4 * stride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + (5 * stride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + (6 * stride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + (7 * stride), Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>target[4t + i] = source[i·stride + t] for t &lt; 8, i &lt; 4: four rows of eight tiles' columns, side by side (a copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave4x8(float* source, int stride, float* target)
    {
        Vector256<float> a = Avx.LoadVector256(source), b = Avx.LoadVector256(source + stride);
        Vector256<float> c = Avx.LoadVector256(source + (2 * stride)), d = Avx.LoadVector256(source + (3 * stride));
        Vector256<float> abLow = Avx.UnpackLow(a, b), abHigh = Avx.UnpackHigh(a, b), cdLow = Avx.UnpackLow(c, d), cdHigh = Avx.UnpackHigh(c, d);
        Vector256<float> q0 = Avx.Shuffle(abLow, cdLow, 0x44), q1 = Avx.Shuffle(abLow, cdLow, 0xEE);
        Vector256<float> q2 = Avx.Shuffle(abHigh, cdHigh, 0x44), q3 = Avx.Shuffle(abHigh, cdHigh, 0xEE);
        Avx.Store(target, Avx.Permute2x128(q0, q1, 0x20));
        Avx.Store(target + 8, Avx.Permute2x128(q2, q3, 0x20));
        Avx.Store(target + 16, Avx.Permute2x128(q0, q1, 0x31));
        Avx.Store(target + 24, Avx.Permute2x128(q2, q3, 0x31));
    }

    /// <summary>
    /// out_j = Σ_k Bᵀ[j, k] · in_k for six rows of <paramref name="length"/> floats (a multiple of 8) read at
    /// <paramref name="s0"/> … <paramref name="s5"/> and written <paramref name="stride"/> floats apart from
    /// <paramref name="target"/>, each output a fixed sequence of single-precision operations: Bᵀ = [4 0 −5 0 1 0;
    /// 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]. Inlined into its two callers, the row and
    /// the column transform, with no pointer arrays between them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void InputTransform(float* s0, float* s1, float* s2, float* s3, float* s4, float* s5, float* target, long stride, int length)
    {
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        int t = 0;
        if (DirectConvolution.UseWideVectors)
        {
            // The same operations on 16 lanes: each element's are those of the 8-lane loop.
            var four16 = Vector512.Create(4f);
            var five16 = Vector512.Create(5f);
            for (; t + 16 <= length; t += 16)
            {
                Vector512<float> x0 = Vector512.Load(s0 + t), x1 = Vector512.Load(s1 + t), x2 = Vector512.Load(s2 + t);
                Vector512<float> x3 = Vector512.Load(s3 + t), x4 = Vector512.Load(s4 + t), x5 = Vector512.Load(s5 + t);
                Vector512<float> p = x4 - (four16 * x2), q = x3 - (four16 * x1);
                Vector512<float> r = x4 - x2, s = (x3 - x1) + (x3 - x1);
                float* o = target + t;
                ((four16 * x0) - (five16 * x2) + x4).Store(o);
                (p + q).Store(o + stride);
                (p - q).Store(o + (2 * stride));
                (r + s).Store(o + (3 * stride));
                (r - s).Store(o + (4 * stride));
                ((four16 * x1) - (five16 * x3) + x5).Store(o + (5 * stride));
            }
        }

        for (; t < length; t += 8)
        {
            Vector256<float> x0 = Vector256.Load(s0 + t), x1 = Vector256.Load(s1 + t), x2 = Vector256.Load(s2 + t);
            Vector256<float> x3 = Vector256.Load(s3 + t), x4 = Vector256.Load(s4 + t), x5 = Vector256.Load(s5 + t);
            Vector256<float> p = x4 - (four * x2), q = x3 - (four * x1);
            Vector256<float> r = x4 - x2, s = (x3 - x1) + (x3 - x1);
            float* o = target + t;
            ((four * x0) - (five * x2) + x4).Store(o);
            (p + q).Store(o + stride);
            (p - q).Store(o + (2 * stride));
            (r + s).Store(o + (3 * stride));
            (r - s).Store(o + (4 * stride));
            ((four * x1) - (five * x3) + x5).Store(o + (5 * stride));
        }
    }

    /// <summary>
    /// out_k = Σ_j Aᵀ[k, j] · in_j for six rows into four: Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OutputTransform(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3)
    {
        Vector512<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4;
        y0 = m0 + p + r;
        y1 = q + (Vector512.Create(2f) * s);
        y2 = p + (Vector512.Create(4f) * r);
        y3 = q + (Vector512.Create(8f) * s) + m5;
    }

    /// <summary>The same on 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OutputTransform(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5, out Vector256<float> y0, out Vector256<float> y1, out Vector256<float> y2, out Vector256<float> y3)
    {
        Vector256<float> p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4;
        y0 = m0 + p + r;
        y1 = q + (Vector256.Create(2f) * s);
        y2 = p + (Vector256.Create(4f) * r);
        y3 = q + (Vector256.Create(8f) * s) + m5;
    }
}
