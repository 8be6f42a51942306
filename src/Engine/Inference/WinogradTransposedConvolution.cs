using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nic.Codec.Inference;

/// <summary>
/// A transposed convolution of kernel 5, stride 2, padding 2 and output padding 1 by Winograd's minimal filtering
/// F(4 × 4, 3 × 3): the Winograd arithmetic of g_s (spec/nic-model.md §10.3), the decoder's counterpart of
/// <see cref="WinogradConvolution"/>. Each of the output's 2 × 2 phases (y_ab[i][j] = output[2i + a][2j + b]) is a
/// stride-1 3 × 3 correlation of the input padded by 1, with g_ab[u][v] = w[a + 4 − 2u][b + 4 − 2v] (0 where an index
/// is 5): 4·cout output channels of one 3 × 3 layer. F(4 × 4, 3 × 3) makes each 4 × 4 tile of every phase from the
/// 6 × 6 tile of input under it, so a tile of input is transformed once for all four phases (V = Bᵀ d B), multiplied point
/// by point with the transformed weights (U = G g Gᵀ) and summed over the input channels — 36 matrix products, which
/// <see cref="DirectConvolution"/>'s kernel computes as 1 × 1 convolutions with fused multiply-adds — then each phase
/// transformed back (Aᵀ M A), the bias added and the phases' pixels put side by side. That is 36 · 4 · cin products an
/// input tile and output channel (64 output pixels) where the direct transposed convolution takes 16 · 25 · cin: 0.36 of
/// its multiply-adds, plus the transforms.
/// </summary>
/// <remarks>
/// Tile (R, T) is output rows 8R … 8R + 7 and columns 8T … 8T + 7, made from input rows 4R − 1 … 4R + 4 and columns
/// 4T − 1 … 4T + 4 (+0 outside the input). Every output element's operations are fixed by the tile it lies in (tiles start
/// at the input's row 0 and column 0), in the same order whatever the vector width, the thread count or the rows computed
/// with it, so the result is the full frame's on every machine for a band of input rows that starts at a multiple of
/// <see cref="Tile"/>. It differs from the direct transposed convolution's by rounding (tests hold it to a relative 10⁻⁵ of
/// the largest output, and to a scalar model of spec/nic-model.md §10.3 bit for bit).
/// </remarks>
internal sealed unsafe class WinogradTransposedConvolution
{
    /// <summary>Input rows and columns a tile (each gives two output rows and columns): F(4 × 4, 3 × 3).</summary>
    public const int Tile = 4;

    private const int Alpha = WinogradConvolution.Alpha;

    private const int Points = WinogradConvolution.Points;

    /// <summary>
    /// Output channels a group of the products: each group's 36 products (its channels' four phases) are made and
    /// transformed back before the next group's, so that they stay in the core's caches (a 96-channel layer's 384 phase
    /// channels of 24 tiles would take 1.3 MB; a group of 24 channels takes 332 KB). Even, so that a group's 4·24 phase
    /// channels fill whole channel blocks of the kernel.
    /// </summary>
    private const int GroupChannels = 24;

    private readonly float[] _bias;
    private readonly float[] _zeroBias;
    private readonly Lazy<float[][][]> _packed;

    public WinogradTransposedConvolution(int inChannels, int outChannels, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (weight.Length != inChannels * outChannels * 25 || bias.Length != outChannels)
        {
            throw new ArgumentException($"weights [{inChannels},{outChannels},5,5] and bias [{outChannels}] expected; got {weight.Length} and {bias.Length} values");
        }

        (InChannels, OutChannels) = (inChannels, outChannels);
        Groups = [.. Enumerable.Range(0, (outChannels + GroupChannels - 1) / GroupChannels).Select(g => (g * GroupChannels, Math.Min(GroupChannels, outChannels - (g * GroupChannels))))];
        _bias = bias.ToArray();
        int phaseChannels = 4 * Math.Min(GroupChannels, outChannels);
        _zeroBias = new float[(phaseChannels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];

        // Transformed on first use: an encoder that never decodes does not pay for it (the weights are let go once packed).
        float[] weights = weight.ToArray();
        _packed = new Lazy<float[][][]>(() => TransformWeights(weights), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    /// <summary>The groups of output channels: the first channel of each, and how many.</summary>
    private (int First, int Count)[] Groups { get; }

    /// <summary>
    /// U_ξ = (G g_ab Gᵀ)[ξ / 6, ξ % 6] for every output channel, phase and input channel, packed for the kernel: one array a
    /// group of output channels and point ξ, the group's 4·count phase channels (channel co's phase ab at o = 4·(co − first)
    /// + 2a + b) over the input channels as <see cref="DirectConvolution.PackWeights"/> packs a 1 × 1 convolution
    /// ([((o / 8)·cin + ci)·8 + o % 8]), written there straight, with no whole-layer copy in between.
    /// </summary>
    private float[][][] TransformWeights(float[] weight)
    {
        int cin = InChannels, cout = OutChannels, block = DirectConvolution.ChannelBlock;
        (int First, int Count)[] groups = Groups;
        var packed = new float[groups.Length][][];
        Span<double> g = stackalloc double[9];
        Span<float> u = stackalloc float[Points];
        for (int i = 0; i < groups.Length; i++)
        {
            (int first, int count) = groups[i];
            int blocks = ((4 * count) + block - 1) / block;
            packed[i] = new float[Points][];
            for (int p = 0; p < Points; p++)
            {
                packed[i][p] = new float[blocks * cin * block];
            }

            for (int o = 0; o < 4 * count; o++)
            {
                int co = first + (o / 4), a = (o % 4) >> 1, b = o & 1;
                for (int ci = 0; ci < cin; ci++)
                {
                    for (int y = 0; y < 3; y++)
                    {
                        for (int x = 0; x < 3; x++)
                        {
                            int ky = a + 4 - (2 * y), kx = b + 4 - (2 * x);
                            g[(y * 3) + x] = ky < 5 && kx < 5 ? weight[(((ci * cout) + co) * 25) + (ky * 5) + kx] : 0;
                        }
                    }

                    WinogradConvolution.TransformKernel(g, u);
                    int at = ((((o / block) * cin) + ci) * block) + (o % block);
                    for (int p = 0; p < Points; p++)
                    {
                        packed[i][p][at] = u[p];
                    }
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// The floats a thread rents from the model's pool for one block of tiles (<see cref="LayerMemory"/>): the block's
    /// transformed input and one group's products.
    /// </summary>
    public static long ScratchFloats(int inChannels, int outChannels)
    {
        int tiles = DirectConvolution.UseWideVectors ? DirectConvolution.WideColumnBlock : DirectConvolution.ColumnBlock;
        return TransformedFloats(inChannels, tiles) + ProductFloats(outChannels, tiles);
    }

    private static long TransformedFloats(int inChannels, int tiles) => Block.TransformedRow(Points, 0, inChannels, tiles) + DirectConvolution.InputSlack;

    private static long ProductFloats(int outChannels, int tiles) => (long)Points * 4 * Math.Min(GroupChannels, outChannels) * tiles;

    /// <summary>
    /// One past the last input row that the output rows of input rows <paramref name="first"/> … + <paramref name="count"/> − 1
    /// (output rows 2·first …) read on an input of <paramref name="inputHeight"/> rows: the rows of their whole tile rows,
    /// 4R − 1 … 4R + 4 for each tile row R.
    /// </summary>
    public static int InputRowsEnd(int first, int count, int inputHeight) =>
        Math.Min(inputHeight, (Tile * ((first + count - 1) / Tile)) + Tile + 1);

    /// <summary>
    /// The output columns (or rows) next to a window's cut edge that can differ from the full frame's when
    /// <paramref name="spoiled"/> input columns next to it do (the zero padding of a window inside the image): a tile that
    /// reads a spoiled input column differs in all its outputs, by rounding where its taps are zero. At most 2·spoiled + 8,
    /// whatever the tile grid's offset from the edge (the direct transposed convolution's: 2·spoiled + 2).
    /// </summary>
    public static int SpoiledOutputs(int spoiled) => (2 * spoiled) + (2 * Tile);

    /// <summary>
    /// The output rows 2·<paramref name="first"/> … 2·(<paramref name="first"/> + <paramref name="count"/>) − 1, as
    /// <see cref="ConvTranspose2dLayer.ForwardRows"/> takes them (the same operands): <paramref name="first"/> a multiple of
    /// <see cref="Tile"/>, the window holding every input row they read (<see cref="InputRowsEnd"/>).
    /// </summary>
    /// <remarks>
    /// The tiles go in blocks of one tile row × the kernel's column block of tile columns, each transformed, multiplied and
    /// transformed back by one thread, so that its operands stay in that core's caches.
    /// </remarks>
    public void ForwardRows(float[] window, long planeStride, int rowStride, int columnOffset, int windowStart, int windowRows, int inputHeight, int width, int first, int count, FeatureMap output, int outputRow, LayerContext context)
    {
        if (first % Tile != 0)
        {
            throw new ArgumentException($"a band of a Winograd transposed convolution starts at a multiple of {Tile} input rows, not at row {first}");
        }

        int needFirst = Math.Max(0, first - 1), needEnd = InputRowsEnd(first, count, inputHeight);
        if (needFirst < windowStart || needEnd > windowStart + windowRows)
        {
            throw new ArgumentException($"input rows {needFirst}…{needEnd - 1} are needed, rows {windowStart}…{windowStart + windowRows - 1} given");
        }

        if (output.Channels != OutChannels || output.Width != 2 * width || outputRow < 0 || outputRow + (2L * count) > output.Height
            || columnOffset < 0 || rowStride < columnOffset + width || windowRows < 0
            || window.Length < ((InChannels - 1) * planeStride) + ((long)Math.Max(0, windowRows - 1) * rowStride) + columnOffset + width)
        {
            throw new ArgumentException($"{InChannels} channels of {windowRows} × {width} and an output of {OutChannels} × ({outputRow} + {2 * count}) × {2 * width} expected; got {window.Length} floats and {output.Channels} × {output.Height} × {output.Width}");
        }

        int tileRows = (count + Tile - 1) / Tile;
        int tilesX = (width + Tile - 1) / Tile;
        int blockTiles = DirectConvolution.UseWideVectors ? DirectConvolution.WideColumnBlock : DirectConvolution.ColumnBlock;
        int blocksX = (tilesX + blockTiles - 1) / blockTiles;
        var block = new Block(this, _packed.Value, window, planeStride, rowStride, columnOffset, windowStart, windowRows, inputHeight, width, output, blockTiles, context);
        WinogradConvolution.ForEach(tileRows * blocksX, context, i =>
        {
            int r = i / blocksX, firstTile = i % blocksX * blockTiles;
            int tiles = Math.Min(blockTiles, tilesX - firstTile);
            block.Run((first / Tile) + r, firstTile, tiles, outputRow + (2 * Tile * r), Math.Min(2 * Tile, 2 * (count - (r * Tile))));
        });
    }

    /// <summary>The operands of one <see cref="ForwardRows"/> call, and the work of one block of tiles.</summary>
    private sealed class Block(WinogradTransposedConvolution owner, float[][][] packed, float[] window, long planeStride, int rowStride, int columnOffset, int windowStart, int windowRows, int inputHeight, int width, FeatureMap output, int capacity, LayerContext context)
    {
        /// <summary>The most tile columns a block holds (and floats a row of its buffers; a multiple of 8, the transforms' vector).</summary>
        public int Tiles { get; } = capacity;

        /// <summary>
        /// The tiles <paramref name="firstTile"/> … + <paramref name="tiles"/> − 1 of tile row <paramref name="tileRow"/>,
        /// into <paramref name="rows"/> rows of the output from <paramref name="outputRow"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int tileRow, int firstTile, int tiles, int outputRow, int rows)
        {
            int cin = owner.InChannels;
            int lanes = (tiles + 7) / 8 * 8;
            BufferPool pool = context.Buffers;
            float[] transformed = pool.Rent(TransformedFloats(cin, Tiles), zeroed: false, context.CancellationToken);
            float[] products = pool.Rent(ProductFloats(owner.OutChannels, Tiles), zeroed: false, context.CancellationToken);
            float[] scratch = ArrayPool<float>.Shared.Rent(Math.Max((4 * (Tiles + 8)) + (Alpha * Alpha * Tiles), (Tile * Alpha * Tiles) + (4 * Tile * Tile * Tiles)));
            try
            {
                for (int ci = 0; ci < cin; ci++)
                {
                    TransformInput(ci, tileRow, firstTile, lanes, transformed, scratch);
                }

                int group = 0;
                foreach ((int first, int count) in owner.Groups)
                {
                    // One matrix product a point over the block's tiles: for each of the group's phase channels, the input
                    // channels ascending with fused multiply-adds from +0 (DirectConvolution's single-tap form).
                    for (int p = 0; p < Points; p++)
                    {
                        context.CancellationToken.ThrowIfCancellationRequested();
                        WinogradConvolution.PointProduct(transformed, TransformedRow(p, 0, cin, Tiles), cin, packed[group][p], owner._zeroBias, products, (long)p * 4 * count * Tiles, 4 * count, tiles, Tiles);
                    }

                    WinogradConvolution.ClearPastTiles(products, (long)Points * 4 * count, tiles, lanes, Tiles);

                    for (int c = 0; c < count; c++)
                    {
                        TransformOutput(products, count, c, first + c, firstTile, tiles, lanes, outputRow, rows, scratch);
                    }

                    group++;
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
        /// Where the transformed input's row of point ξ and input channel ci starts (its tiles follow): point-major, so that a
        /// point's product reads its cin rows one after another, with a cache line after each point's rows (as
        /// <see cref="WinogradConvolution"/>'s, so that the points do not lie a multiple of 4 KB apart).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static long TransformedRow(int point, int ci, int channels, int tiles) => ((long)point * (((long)channels * tiles) + PointPadding)) + ((long)ci * tiles);

        /// <summary>The floats after each point's rows in the transformed input (<see cref="TransformedRow"/>).</summary>
        private const int PointPadding = 16;

        /// <summary>V = Bᵀ d B of the block's tiles for input channel <paramref name="ci"/>, at <see cref="TransformedRow"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformInput(int ci, int tileRow, int firstTile, int lanes, float[] transformed, float[] scratch)
        {
            // The 6 input rows under the tile row (4·tileRow − 1 …), each cut into its columns modulo 4 (column
            // 4(firstTile + t) + m − 1 at [m][t]) and transformed along the row: its six columns are m = 0 … 3 of tile t and
            // m = 0, 1 of tile t + 1. Then, per column of the transform, down its six rows.
            int rowLength = Tiles + 8;
            int cin = owner.InChannels;
            long pointStride = TransformedRow(1, 0, cin, Tiles);
            fixed (float* buffer = scratch)
            fixed (float* source = window)
            fixed (float* v = transformed)
            {
                float* split = buffer;
                float* rows = buffer + (4 * rowLength);
                int top = (Tile * tileRow) - 1;
                for (int k = 0; k < Alpha; k++)
                {
                    int y = top + k;
                    bool inside = y >= 0 && y < inputHeight && y >= windowStart && y < windowStart + windowRows;
                    float* row = inside ? source + (ci * planeStride) + ((long)(y - windowStart) * rowStride) + columnOffset : null;
                    SplitColumns(row, width, (Tile * firstTile) - 1, split, rowLength, lanes + 1);
                    WinogradConvolution.InputTransform(split, split + rowLength, split + (2 * rowLength), split + (3 * rowLength), split + 1, split + rowLength + 1, rows + (k * Alpha * Tiles), Tiles, lanes);
                }

                long rowStep = Alpha * Tiles;
                for (int j = 0; j < Alpha; j++)
                {
                    // Row i of the transform goes to point 6i + j.
                    float* f = rows + (j * Tiles);
                    WinogradConvolution.InputTransform(f, f + rowStep, f + (2 * rowStep), f + (3 * rowStep), f + (4 * rowStep), f + (5 * rowStep), v + TransformedRow(j, ci, cin, Tiles), Alpha * pointStride, lanes);
                }
            }
        }

        /// <summary>
        /// Y = Aᵀ M A + bias of output channel <paramref name="co"/> (the <paramref name="index"/>-th of its group of
        /// <paramref name="count"/>) for each of its four phases, and the phases' pixels side by side into <paramref name="rows"/>
        /// rows of the output from <paramref name="outputRow"/>, columns 8·firstTile … (those within the output's width).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformOutput(float[] products, int count, int index, int co, int firstTile, int tiles, int lanes, int outputRow, int rows, float[] scratch)
        {
            long pointRow = 4L * count * Tiles;
            fixed (float* buffer = scratch)
            fixed (float* m = products)
            fixed (float* destination = output.Data)
            {
                float* columns = buffer;
                float* lines = buffer + (Tile * Alpha * Tiles);
                for (int phase = 0; phase < 4; phase++)
                {
                    // Down the columns of the tiles: six rows of points into four (columns[k][j][t]); point (i, j) at 6i + j.
                    float* s0 = m + ((((4L * index) + phase) * Tiles));
                    for (int j = 0; j < Alpha; j++)
                    {
                        WinogradConvolution.OutputColumns(s0 + (j * pointRow), Alpha * pointRow, columns + (j * Tiles), Tiles, lanes);
                    }

                    // Across: each row's six columns into four, and the bias: lines[phase][k][l][t] is the phase's row k,
                    // column l of tile t.
                    for (int k = 0; k < Tile; k++)
                    {
                        WinogradConvolution.OutputRow(columns + (k * Alpha * Tiles), lines + ((((phase * Tile) + k) * Tile) * Tiles), owner._bias[co], Tiles, lanes);
                    }
                }

                // Output row 2k + a of the tile row is row k of phases (a, 0) and (a, 1); its column 8t + 2l + b is column l
                // of tile t of phase (a, b).
                int outputWidth = output.Width;
                int firstColumn = 2 * Tile * firstTile, end = Math.Min(outputWidth, 2 * Tile * (firstTile + tiles));
                for (int r = 0; r < rows; r++)
                {
                    int k = r >> 1, a = r & 1;
                    float* even = lines + (((((2 * a) * Tile) + k) * Tile) * Tiles);
                    float* odd = lines + ((((((2 * a) + 1) * Tile) + k) * Tile) * Tiles);
                    float* target = destination + ((long)co * output.PlaneSize) + ((long)(outputRow + r) * outputWidth);
                    int x = firstColumn;
                    if (Avx.IsSupported)
                    {
                        // Eight tiles' eight columns at once, while all 64 fall within the output row: an 8 × 8 transpose of
                        // the lines (l, b) in the order 2l + b.
                        for (int t8 = 0; x + (8 * 2 * Tile) <= end; t8 += 8, x += 8 * 2 * Tile)
                        {
                            WinogradConvolution.Transpose8x8(
                                Avx.LoadVector256(even + t8), Avx.LoadVector256(odd + t8), Avx.LoadVector256(even + Tiles + t8), Avx.LoadVector256(odd + Tiles + t8),
                                Avx.LoadVector256(even + (2 * Tiles) + t8), Avx.LoadVector256(odd + (2 * Tiles) + t8), Avx.LoadVector256(even + (3 * Tiles) + t8), Avx.LoadVector256(odd + (3 * Tiles) + t8),
                                target + x,
                                8);
                        }
                    }

                    for (; x < end; x++)
                    {
                        int within = x - firstColumn, t = within / (2 * Tile), l = (within % (2 * Tile)) >> 1;
                        target[x] = ((within & 1) == 0 ? even : odd)[(l * Tiles) + t];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Columns first + 4t + m of <paramref name="row"/> (zero outside 0 … width − 1, or everywhere for a null row) at
    /// split[m·rowLength + t], m &lt; 4, t &lt; <paramref name="count"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitColumns(float* row, int width, int first, float* split, int rowLength, int count)
    {
        if (row is null)
        {
            new Span<float>(split, 4 * rowLength).Clear();
            return;
        }

        int t = 0;
        while (t < count)
        {
            // Where eight tiles' 32 columns lie within the row: its columns modulo 4, two tiles a vector (a copy). A row's
            // first tile (which starts at column −1) and its last ones go one at a time.
            int x0 = first + (Tile * t);
            if (Avx.IsSupported && t + 8 <= count && x0 >= 0 && x0 + (8 * Tile) <= width)
            {
                float* from = row + x0;
                Deinterleave4(Avx.LoadVector256(from), Avx.LoadVector256(from + 8), Avx.LoadVector256(from + 16), Avx.LoadVector256(from + 24), split + t, rowLength);
                t += 8;
                continue;
            }

            for (int m = 0; m < Tile; m++)
            {
                int x = x0 + m;
                split[(m * rowLength) + t] = x >= 0 && x < width ? row[x] : 0;
            }

            t++;
        }
    }

    /// <summary>target[m·stride + t] = x[4t + m] for t &lt; 8, m &lt; 4, where x is <paramref name="a"/> … <paramref name="d"/> in turn (a copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d, float* target, int stride)
    {
        // a = tiles 0, 1 (x0..x7), b = tiles 2, 3, c = 4, 5, d = 6, 7. Within each 128-bit lane one tile's four columns.
        // Transpose the 4 × 4 blocks of each lane pair: (a, b, c, d) lane 0 = tiles 0, 2, 4, 6; lane 1 = tiles 1, 3, 5, 7.
        Vector256<float> t0 = Avx.UnpackLow(a, b), t1 = Avx.UnpackHigh(a, b), t2 = Avx.UnpackLow(c, d), t3 = Avx.UnpackHigh(c, d);
        // t0 lane 0 = (a0 b0 a1 b1), t1 lane 0 = (a2 b2 a3 b3), t2 lane 0 = (c0 d0 c1 d1), t3 lane 0 = (c2 d2 c3 d3).
        Vector256<float> m0 = Avx.Shuffle(t0, t2, 0x44), m1 = Avx.Shuffle(t0, t2, 0xEE), m2 = Avx.Shuffle(t1, t3, 0x44), m3 = Avx.Shuffle(t1, t3, 0xEE);
        // m0 lane 0 = column 0 of tiles 0, 2, 4, 6; lane 1 = of tiles 1, 3, 5, 7. Back to tile order 0 … 7.
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        Avx.Store(target, Avx2.IsSupported ? Avx2.PermuteVar8x32(m0, order) : Vector256.Shuffle(m0, order));
        Avx.Store(target + stride, Avx2.IsSupported ? Avx2.PermuteVar8x32(m1, order) : Vector256.Shuffle(m1, order));
        Avx.Store(target + (2 * stride), Avx2.IsSupported ? Avx2.PermuteVar8x32(m2, order) : Vector256.Shuffle(m2, order));
        Avx.Store(target + (3 * stride), Avx2.IsSupported ? Avx2.PermuteVar8x32(m3, order) : Vector256.Shuffle(m3, order));
    }
}
