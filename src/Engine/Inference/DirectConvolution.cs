using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using unsafe RowKernel = delegate*<float*, float*, float*, int, int*, int, long, float*, long, int, int, int, void>;
using unsafe FewColumnsKernel = delegate*<float*, float*, long, int, float*, int, int*, int, long, float*, long, int, int, int, void>;

namespace Nic.Codec.Inference;

/// <summary>
/// The one convolution micro-kernel behind every convolution-like layer (spec/nic-model.md §10).
/// It computes, for every output channel co, row y and column x,
/// <code>out[co, y, x] = (Σ_ci Σ_t w[co, ci, t] · in[ci][offset_t + y·rowStride + x]) + bias[co]</code>
/// where the sum runs over input channels ci in ascending order and, within each, over the taps t in the order
/// given, starting from +0: in the reference arithmetic as a chain of separate IEEE-754 single-precision multiplies
/// and adds, in the fused one (spec/nic-model.md §10.2) as a chain of fused multiply-adds. Vector lanes hold
/// neighbouring columns (or, in the kernel of a row's few last columns, neighbouring output channels), and each lane's
/// chain is one output element's, so every output element sees exactly that sequence whatever the vector width, block
/// size, tile or thread: results are bit-identical on every machine.
/// </summary>
internal static unsafe class DirectConvolution
{
    /// <summary>Output channels per block (the packed-weight interleave).</summary>
    public const int ChannelBlock = 8;

    /// <summary>Columns per inner iteration with 256-bit vectors: three 8-lane vectors.</summary>
    public const int ColumnBlock = 24;

    /// <summary>Columns of the 256-bit kernel's last block of a row when it has at most this many: two 8-lane vectors.</summary>
    public const int TailColumnBlock = 16;

    /// <summary>
    /// How many input channels ahead the 256-bit kernel asks for its input rows (a prefetch per tap, a hint that
    /// never faults). Each channel's rows are a separate stream, more than the hardware prefetchers follow, so without it
    /// the large layers waited on memory: with AVX-512 off, bench transforms 1920 × 1088, g_s 3.40–3.43 → 3.05–3.11 s on
    /// one thread and 2.01–2.05 → 1.74–1.76 s on two; 2 and 8 channels ahead did no better (docs/performance.md, session 18).
    /// </summary>
    private const int PrefetchChannels = 4;

    /// <summary>Columns per inner iteration with 512-bit vectors: two 16-lane vectors.</summary>
    public const int WideColumnBlock = 32;

    /// <summary>Columns of the 512-bit kernel's last block of a row when it has at most this many: one 16-lane vector.</summary>
    public const int WideTailColumnBlock = 16;

    /// <summary>Columns per inner iteration of the 512-bit kernel for at most four output channels: four 16-lane vectors.</summary>
    public const int NarrowColumnBlock = 64;

    /// <summary>
    /// The output channel blocks that <see cref="FewColumnsRow{TStep}"/> computes at once: its vectors run across the
    /// channels of four blocks (4 × 8 lanes), so that a few columns still keep eight accumulators in flight.
    /// </summary>
    public const int FewColumnsBlocks = 4;

    /// <summary>
    /// Zero, in a writable field: the JIT cannot take it for a constant (it could a <c>static readonly</c> one), and it
    /// is read with <c>Volatile.Read</c> so that no whole-program compiler takes it for one either. The
    /// separate arithmetic's 256-bit row kernel adds it (× 1, × 2, × 4) to the address of its third input vector, so that
    /// the JIT sees four different loads, folds each into its multiply and keeps no 17th register (see
    /// <see cref="RunRow{TStep, TTaps}"/>). Not readonly on purpose.
    /// </summary>
#pragma warning disable CS0649, IDE0044 // never assigned, and not readonly: it is to stay zero, unknown to the compiler
    private static nint s_opaqueZero;
#pragma warning restore CS0649, IDE0044

    /// <summary>Slack, in floats, that every input buffer carries past its last element for vector overreads.</summary>
    public const int InputSlack = NarrowColumnBlock + 32;

    /// <summary>
    /// The input bytes one work item should read, about half of a core's L2 cache, so that the items that follow it
    /// (the other channel blocks and phases over the same rows) find those rows in cache. A row of a large image's input
    /// is more than that (4000 × 3000 pixels: 128 channels × 2000 columns, 1 MB a row at half resolution), so such
    /// rows are cut into chunks of columns. Interleaved 12-megapixel decodes with AVX-512 off took 16.5–18.5 s with 512 KB
    /// against 19.0–20.3 s with whole rows (docs/performance.md). Settable for tests (1 cuts every item to one row of 64 columns).
    /// </summary>
    internal static long ItemBytes { get; set; } = 512 * 1024;

    /// <summary>Whether the 512-bit path runs (it gives bit-identical results to the 256-bit one, only faster).</summary>
    public static bool UseWideVectors { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Packs weights given as w(co, ci, t) into blocks of <see cref="ChannelBlock"/> output channels:
    /// packed[((b·cin + ci)·taps + t)·8 + k] = w(8b + k, ci, t), zero for channels past <paramref name="cout"/>.
    /// </summary>
    public static float[] PackWeights(int cout, int cin, int taps, Func<int, int, int, float> weight)
    {
        int blocks = (cout + ChannelBlock - 1) / ChannelBlock;
        var packed = new float[checked(blocks * cin * taps * ChannelBlock)];
        for (int co = 0; co < cout; co++)
        {
            int b = co / ChannelBlock, k = co % ChannelBlock;
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < taps; t++)
                {
                    packed[((b * cin + ci) * taps + t) * ChannelBlock + k] = weight(co, ci, t);
                }
            }
        }

        return packed;
    }

    /// <summary>Runs the kernel over all output channels and rows, in parallel where allowed.</summary>
    /// <param name="job">What to compute.</param>
    /// <param name="parallelism">The most threads to use.</param>
    /// <param name="cancellationToken">Looked at before each work item (one block of eight output channels over about 2048 output pixels, see <see cref="ItemShape"/>).</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; the output is then incomplete.</exception>
    public static void Run(in ConvolutionJob job, int parallelism, CancellationToken cancellationToken = default) =>
        Run([job], parallelism, cancellationToken);

    /// <summary>
    /// Runs several jobs of the same output height, width and channel count (the four phases of a transposed
    /// convolution, which read the same input rows) interleaved: the work items of every job for the same rows and
    /// channel block follow one another, so the input rows they share are still in cache.
    /// </summary>
    /// <param name="jobs">What to compute; every job has the same <see cref="ConvolutionJob.OutputHeight"/>, <see cref="ConvolutionJob.OutputWidth"/> and <see cref="ConvolutionJob.OutputChannels"/>.</param>
    /// <param name="parallelism">The most threads to use.</param>
    /// <param name="cancellationToken">Looked at before each work item.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled; the output is then incomplete.</exception>
    public static void Run(ConvolutionJob[] jobs, int parallelism, CancellationToken cancellationToken = default)
    {
        ConvolutionJob job = jobs[0];
        int blocks = (job.OutputChannels + ChannelBlock - 1) / ChannelBlock;
        int few = FewColumns(job.OutputWidth, job.OutputChannels);
        int groups = (blocks + FewColumnsBlocks - 1) / FewColumnsBlocks;
        ItemShape shape = ItemShape.Of(job, job.OutputWidth - few);

        // A row's few last columns (FewColumns) are computed by the item of the last block of each group of four, right
        // after its row-kernel columns, while the group's weights are still in cache; a row of few columns only takes
        // one item a group and row chunk.
        int perJob = shape.ColumnChunks > 0 ? blocks * shape.RowChunks * shape.ColumnChunks : groups * shape.RowChunks;
        int items = perJob * jobs.Length;
        if (parallelism <= 1 || items == 1)
        {
            for (int i = 0; i < items; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunAny(jobs[i % jobs.Length], i / jobs.Length);
            }

            return;
        }

        // Parallel.For stops handing out items once the token is cancelled, waits for the running ones and throws a
        // single OperationCanceledException; no worker touches the buffers after it returns.
        Parallel.For(
            0,
            items,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            i =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunAny(jobs[i % jobs.Length], i / jobs.Length);
            });

        void RunAny(in ConvolutionJob job, int item)
        {
            if (shape.ColumnChunks > 0)
            {
                RunItem(job, item, shape, few);
            }
            else
            {
                int y0 = item / groups * shape.Rows;
                RunFewColumns(job, item % groups, y0, Math.Min(job.OutputHeight, y0 + shape.Rows), 0, few);
            }
        }
    }

    /// <summary>
    /// How many of a row's last columns the kernel of a few columns (<see cref="FewColumnsRow{TStep}"/>) computes for
    /// <paramref name="outputChannels"/> channels: the columns that the row kernels would compute in a block of mostly
    /// padding. Those kernels' vectors run along a row (16 or 8 columns), so a row of 66 columns costs as much as one of
    /// 80 with 512-bit vectors; a stripe's tile row of a Winograd layer (spec/nic-model.md §10.3) can end in 1 or 2 tiles
    /// after its whole blocks, which cost a whole 16-column vector in each channel block of each of the 36 products. The
    /// kernel of a few columns runs its vectors across 32 channels instead, costing per column about what a row kernel
    /// costs per vector of columns: worth it up to 4 of 16 (512-bit) or 8 of 24 (256-bit) columns. 0 where fewer than
    /// 32 channels would leave its lanes empty.
    /// </summary>
    internal static int FewColumns(int width, int outputChannels)
    {
        if (outputChannels < FewColumnsBlocks * ChannelBlock)
        {
            return 0;
        }

        // 512-bit: what is left after whole 16-column vectors (a 32-column block, or a tail of 16); 256-bit: after whole
        // 24-column blocks (a tail of 9 to 16 takes two vectors of the tail kernel, as before).
        int few = UseWideVectors ? width % WideTailColumnBlock : width % ColumnBlock;
        return few <= (UseWideVectors ? 4 : 8) ? few : 0;
    }

    /// <summary>
    /// How a job's output is cut into work items, each for every channel block in turn: about 2048 output pixels, in as
    /// few rows as keep the item's input (its rows and the two more a 5 × 5 kernel's taps reach, over its columns)
    /// within <see cref="ItemBytes"/>; where one row is already more, one row of fewer columns (a multiple of 64). The
    /// columns are those before a row's few last ones (<see cref="FewColumns"/>), which the item of the last block of
    /// each group of four computes too; a row of few columns only is cut into items of one group and row chunk.
    /// </summary>
    private readonly record struct ItemShape(int Rows, int Columns, int RowChunks, int ColumnChunks)
    {
        /// <summary>The items of <paramref name="job"/> over its first <paramref name="width"/> columns (the rest are the few columns').</summary>
        public static ItemShape Of(in ConvolutionJob job, int width)
        {
            int outputWidth = Math.Max(1, job.OutputWidth), height = Math.Max(1, job.OutputHeight);
            double bytesPerColumn = 4.0 * job.InputChannels * job.InputRowStride / outputWidth;
            int rows = (int)Math.Clamp((ItemBytes / (outputWidth * bytesPerColumn)) - 2, 1, Math.Max(1, Math.Min(height, 2048 / outputWidth)));
            int columns = Math.Max(1, width);
            if (rows == 1 && 3 * outputWidth * bytesPerColumn > ItemBytes)
            {
                columns = Math.Min(columns, Math.Max(NarrowColumnBlock, (int)(ItemBytes / (3 * bytesPerColumn)) / NarrowColumnBlock * NarrowColumnBlock));
            }

            return new ItemShape(rows, columns, (height + rows - 1) / rows, width <= 0 ? 0 : (width + columns - 1) / columns);
        }
    }

    private static void RunItem(in ConvolutionJob job, int item, ItemShape shape, int few)
    {
        // Channel blocks vary fastest, then column chunks, so consecutive items reuse the same input rows while they are
        // in cache.
        int blocks = (job.OutputChannels + ChannelBlock - 1) / ChannelBlock;
        int b = item % blocks;
        int chunk = item / blocks;
        int y0 = chunk / shape.ColumnChunks * shape.Rows;
        int y1 = Math.Min(job.OutputHeight, y0 + shape.Rows);
        int x0 = chunk % shape.ColumnChunks * shape.Columns;
        int width = job.OutputWidth - few;
        int columns = Math.Min(shape.Columns, width - x0);
        int coCount = Math.Min(ChannelBlock, job.OutputChannels - b * ChannelBlock);
        fixed (float* input = job.Input)
        fixed (float* weights = job.PackedWeights)
        fixed (float* bias = job.Bias)
        fixed (float* output = job.Output)
        fixed (int* taps = job.TapOffsets)
        {
            float* blockWeights = weights + (long)b * job.InputChannels * job.TapOffsets.Length * ChannelBlock;
            float* blockOutput = output + job.OutputOffset + (long)b * ChannelBlock * job.OutputPlaneStride + ((long)x0 * job.OutputColumnStride);
            RowKernel kernel = KernelFor(coCount, job.Arithmetic, IsSingleTap(job.TapOffsets));
            for (int y = y0; y < y1; y++)
            {
                kernel(
                    input + job.InputOffset + ((long)y * job.InputRowStride) + x0,
                    blockWeights,
                    bias + b * ChannelBlock,
                    job.InputChannels,
                    taps,
                    job.TapOffsets.Length,
                    job.InputChannelStride,
                    blockOutput + (long)y * job.OutputRowStride,
                    job.OutputPlaneStride,
                    job.OutputColumnStride,
                    columns,
                    coCount);
            }
        }

        if (few > 0 && x0 + columns == width && (b % FewColumnsBlocks == FewColumnsBlocks - 1 || b == blocks - 1))
        {
            RunFewColumns(job, b / FewColumnsBlocks, y0, y1, width, few);
        }
    }

    /// <summary>
    /// The columns <paramref name="first"/> … + <paramref name="count"/> − 1 (a row's last few, <see cref="FewColumns"/>)
    /// of the channel blocks of <paramref name="group"/> (four blocks from 4·group), rows <paramref name="y0"/> … <paramref name="y1"/> − 1.
    /// </summary>
    private static void RunFewColumns(in ConvolutionJob job, int group, int y0, int y1, int first, int count)
    {
        int blocks = (job.OutputChannels + ChannelBlock - 1) / ChannelBlock;
        int b = group * FewColumnsBlocks;
        long blockWeights = (long)job.InputChannels * job.TapOffsets.Length * ChannelBlock;
        FewColumnsKernel kernel = IsFused(job.Arithmetic) ? &FewColumnsRow<FusedStep> : &FewColumnsRow<SeparateStep>;
        fixed (float* input = job.Input)
        fixed (float* weights = job.PackedWeights)
        fixed (float* bias = job.Bias)
        fixed (float* output = job.Output)
        fixed (int* taps = job.TapOffsets)
        {
            for (int y = y0; y < y1; y++)
            {
                kernel(
                    input + job.InputOffset + ((long)y * job.InputRowStride) + first,
                    weights + (b * blockWeights),
                    blockWeights,
                    Math.Min(FewColumnsBlocks, blocks - b),
                    bias + (b * ChannelBlock),
                    job.InputChannels,
                    taps,
                    job.TapOffsets.Length,
                    job.InputChannelStride,
                    output + job.OutputOffset + ((long)b * ChannelBlock * job.OutputPlaneStride) + ((long)y * job.OutputRowStride) + ((long)first * job.OutputColumnStride),
                    job.OutputPlaneStride,
                    job.OutputColumnStride,
                    count,
                    job.OutputChannels - (b * ChannelBlock));
            }
        }
    }

    // The kernel of a few columns: the vectors run across the 8 channels of a block, four blocks at once (their packed
    // weights: one load a block, tap and input channel), over two columns at a time (each input element broadcast): eight
    // accumulators, eight multiply-adds a tap for 64 outputs, where the row kernels spend a 16- or 8-column vector a
    // channel on each column. Every output's sum runs over the input channels and taps in the same order, from +0, with
    // the bias added last: the same bits as the row kernels. A block count below four computes the first block again in
    // the empty places (not stored); an odd last column computes one more column (read within the input's slack, not stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FewColumnsRow<TStep>(
        float* rowInput, float* weights, long blockWeights, int blockCount, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int count, int channels)
        where TStep : struct, IAccumulateStep
    {
        float* w0 = weights, w1 = blockCount > 1 ? w0 + blockWeights : w0, w2 = blockCount > 2 ? w0 + (2 * blockWeights) : w0, w3 = blockCount > 3 ? w0 + (3 * blockWeights) : w0;
        float* lanes = stackalloc float[ChannelBlock];
        for (int j = 0; j < count; j += 2)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            float* src = rowInput + j;
            long o = 0;
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < tapCount; t++)
                {
                    float* x = src + taps[t];
                    Vector256<float> v0 = Vector256.Create(x[0]), v1 = Vector256.Create(x[1]);
                    Vector256<float> k = Vector256.Load(w0 + o);
                    a00 = TStep.Step(a00, v0, k); a01 = TStep.Step(a01, v1, k);
                    k = Vector256.Load(w1 + o);
                    a10 = TStep.Step(a10, v0, k); a11 = TStep.Step(a11, v1, k);
                    k = Vector256.Load(w2 + o);
                    a20 = TStep.Step(a20, v0, k); a21 = TStep.Step(a21, v1, k);
                    k = Vector256.Load(w3 + o);
                    a30 = TStep.Step(a30, v0, k); a31 = TStep.Step(a31, v1, k);
                    o += ChannelBlock;
                }

                src += channelStride;
            }

            float* column = rowOutput + ((long)j * columnStride);
            StoreChannels(a00, bias, column, outputPlaneStride, channels, lanes);
            if (blockCount > 1) StoreChannels(a10, bias + ChannelBlock, column + (ChannelBlock * outputPlaneStride), outputPlaneStride, channels - ChannelBlock, lanes);
            if (blockCount > 2) StoreChannels(a20, bias + (2 * ChannelBlock), column + (2 * ChannelBlock * outputPlaneStride), outputPlaneStride, channels - (2 * ChannelBlock), lanes);
            if (blockCount > 3) StoreChannels(a30, bias + (3 * ChannelBlock), column + (3 * ChannelBlock * outputPlaneStride), outputPlaneStride, channels - (3 * ChannelBlock), lanes);
            if (j + 1 < count)
            {
                column += columnStride;
                StoreChannels(a01, bias, column, outputPlaneStride, channels, lanes);
                if (blockCount > 1) StoreChannels(a11, bias + ChannelBlock, column + (ChannelBlock * outputPlaneStride), outputPlaneStride, channels - ChannelBlock, lanes);
                if (blockCount > 2) StoreChannels(a21, bias + (2 * ChannelBlock), column + (2 * ChannelBlock * outputPlaneStride), outputPlaneStride, channels - (2 * ChannelBlock), lanes);
                if (blockCount > 3) StoreChannels(a31, bias + (3 * ChannelBlock), column + (3 * ChannelBlock * outputPlaneStride), outputPlaneStride, channels - (3 * ChannelBlock), lanes);
            }
        }
    }

    /// <summary>One column of a block's channels (<paramref name="channels"/> of them, at most 8), bias added lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannels(Vector256<float> v, float* bias, float* destination, long outputPlaneStride, int channels, float* lanes)
    {
        (v + Vector256.Load(bias)).Store(lanes);
        for (int c = 0; c < Math.Min(ChannelBlock, channels); c++)
        {
            destination[c * outputPlaneStride] = lanes[c];
        }
    }

    /// <summary>
    /// Runs the kernel for every output channel over one row of <paramref name="width"/> columns with a single tap at
    /// offset 0 (a 1 × 1 convolution) on the calling thread: the tiles of <see cref="GdnLayer"/>, small enough to stay in
    /// cache. <paramref name="input"/> holds <paramref name="inputChannels"/> rows <paramref name="inputChannelStride"/>
    /// floats apart, readable up to <see cref="InputSlack"/> floats past the last; each output channel's row is
    /// <paramref name="outputPlaneStride"/> floats after the previous one. Same arithmetic, same bits as <see cref="Run(in ConvolutionJob, int, CancellationToken)"/>.
    /// </summary>
    public static void RunPointwiseRow(float* input, long inputChannelStride, int inputChannels, float* packedWeights, float* bias, int outputChannels, float* output, long outputPlaneStride, int width, ManagedArithmetic arithmetic)
    {
        int tap = 0;
        for (int b = 0; b * ChannelBlock < outputChannels; b++)
        {
            int coCount = Math.Min(ChannelBlock, outputChannels - b * ChannelBlock);
            KernelFor(coCount, arithmetic, singleTap: true)(
                input,
                packedWeights + (long)b * inputChannels * ChannelBlock,
                bias + b * ChannelBlock,
                inputChannels,
                &tap,
                1,
                inputChannelStride,
                output + (long)b * ChannelBlock * outputPlaneStride,
                outputPlaneStride,
                1,
                width,
                coCount);
        }
    }

    /// <summary>
    /// Whether the kernels take fused multiply-adds (<see cref="ManagedArithmetic.Fused"/>) or separate multiplies and adds
    /// (<see cref="ManagedArithmetic.Reference"/>). The Winograd arithmetic reaches the kernels as the fused one
    /// (Conv2dLayer and ModelNetworks map it), so it is refused here.
    /// </summary>
    private static bool IsFused(ManagedArithmetic arithmetic) => arithmetic switch
    {
        ManagedArithmetic.Reference => false,
        ManagedArithmetic.Fused => true,
        _ => throw new ArgumentOutOfRangeException(nameof(arithmetic), arithmetic, "the kernel computes the reference or the fused arithmetic"),
    };

    /// <summary>
    /// The row kernel for a block of <paramref name="coCount"/> output channels. At most four channels in a block (the 3
    /// of g_s's last layer) take the 512-bit kernel of four channels × 64 columns instead of eight channels (five of them
    /// wasted) × 32 columns. A job whose only tap is offset 0 (<paramref name="singleTap"/>: a 1 × 1 convolution, GDN's
    /// norm, a Winograd point's products) takes the main kernels' form with no loop over taps (<see cref="SingleTap"/>).
    /// </summary>
    private static RowKernel KernelFor(int coCount, ManagedArithmetic arithmetic, bool singleTap)
    {
        bool narrow = coCount <= 4;
        return (UseWideVectors, IsFused(arithmetic), singleTap) switch
        {
            (true, true, _) when narrow => &RunRow512Narrow<FusedStep>,
            (true, false, _) when narrow => &RunRow512Narrow<SeparateStep>,
            (true, true, false) => &RunRow512<FusedStep, ListedTaps>,
            (true, true, true) => &RunRow512<FusedStep, SingleTap>,
            (true, false, false) => &RunRow512<SeparateStep, ListedTaps>,
            (true, false, true) => &RunRow512<SeparateStep, SingleTap>,
            (false, true, false) => &RunRow<FusedStep, ListedTaps>,
            (false, true, true) => &RunRow<FusedStep, SingleTap>,
            (false, false, false) => &RunRow<SeparateStep, ListedTaps>,
            (false, false, true) => &RunRow<SeparateStep, SingleTap>,
        };
    }

    /// <summary>The tap offsets of a job with one tap at offset 0, which the row kernels take in their single-tap form (<see cref="SingleTap"/>).</summary>
    internal static readonly int[] SingleTapOffsets = [0];

    /// <summary>Whether a job's taps are the one tap at offset 0 (<see cref="SingleTap"/>).</summary>
    private static bool IsSingleTap(int[] taps) => taps is [0];

    // RunRow and RunRow512 are the same kernel at two vector widths. .NET has no public interface over
    // Vector256/Vector512 to write it once generically, and Vector512 without AVX-512 runs in software, so both stay.
    // The arithmetic (separate multiply and add, or fused) is a type argument: the JIT compiles one body per
    // arithmetic, with the step inlined. Each output's sum runs in the same order in every form: the same bits.
    //
    // The 256-bit kernel computes half a channel block (4 channels) × 24 columns at a time: 12 accumulators, three
    // input vectors and a broadcast, the 16 AVX2 registers. Per tap, 3 loads and 4 broadcasts feed 12 multiply-adds.
    // Both halves of the block run on a column block before the next, so the second reads the input columns and
    // weight lines that the first has just read. The fused arithmetic took 24 columns in session 18 (g_a 3.96 → 3.02 s
    // on one thread at 1920 × 1088; docs/performance.md). The separate arithmetic needs a 17th register for the product:
    // with three input vectors in registers the JIT kept one accumulator on the stack, whose chain then ran through a
    // store and a load every tap. Its third input vector is therefore read by each of its four multiplies from memory
    // (four loads at addresses the JIT cannot prove equal, s_opaqueZero), which leaves 12 accumulators, two input
    // vectors, the broadcast and the product: AVX-512 off, bench transforms 768 × 512, the reference arithmetic, one
    // thread, interleaved: g_s.4 22–25 → 31–34 G multiply-adds/s, h_s.4 22–24 → 27–33 (session 29, docs/performance.md).
    // The same form slowed the fused kernel (g_s.4 49 → 37 G/s: loads, not registers, bound it), so the fused one keeps
    // its three vectors. Earlier forms of the separate kernel: 16 columns (8 accumulators) and two channels × 48 columns,
    // both slower than 24 columns with the spill (session 21). The 512-bit kernel has 32 registers and computes the
    // whole block × 32 columns.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRow<TStep, TTaps>(
        float* rowInput, float* weights, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int width, int coCount)
        where TStep : struct, IAccumulateStep
        where TTaps : struct, ITaps
    {
        float* tail = stackalloc float[ColumnBlock];
        long ahead = PrefetchChannels * channelStride;
        nint zero = TStep.NeedsProductRegister ? Volatile.Read(ref s_opaqueZero) : 0;
        for (int x0 = 0; x0 < width; x0 += ColumnBlock)
        {
            int n = Math.Min(ColumnBlock, width - x0);
            if (n <= TailColumnBlock)
            {
                RunRowTail<TStep>(rowInput + x0, weights, bias, cin, taps, tapCount, channelStride, rowOutput + ((long)x0 * columnStride), outputPlaneStride, columnStride, n, coCount);
                return;
            }

            for (int half = 0; half < 2 && 4 * half < coCount; half++)
            {
                float* halfBias = bias + 4 * half;
                float* halfOutput = rowOutput + 4 * half * outputPlaneStride;
                int halfCount = coCount - 4 * half;
                Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
                Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
                float* src = rowInput + x0;
                float* w = weights + 4 * half;
                for (int ci = 0; ci < cin; ci++)
                {
                    for (int t = 0; t < TTaps.Count(tapCount); t++)
                    {
                        float* s = TTaps.At(src, taps, t);
                        if (Sse.IsSupported)
                        {
                            Sse.Prefetch0(s + ahead);
                        }

                        // The third vector is loaded by each multiply (see above): at four addresses for the separate step, whose
                        // offsets the JIT cannot fold, and at one address four times for the fused step, which the JIT loads once.
                        byte* s2 = (byte*)(s + 16);
                        Vector256<float> v0 = Vector256.Load(s), v1 = Vector256.Load(s + 8);
                        Vector256<float> k = Vector256.Create(w[0]);
                        a00 = TStep.Step(a00, v0, k); a01 = TStep.Step(a01, v1, k); a02 = TStep.Step(a02, Vector256.Load((float*)s2), k);
                        k = Vector256.Create(w[1]);
                        a10 = TStep.Step(a10, v0, k); a11 = TStep.Step(a11, v1, k); a12 = TStep.Step(a12, Vector256.Load((float*)(s2 + zero)), k);
                        k = Vector256.Create(w[2]);
                        a20 = TStep.Step(a20, v0, k); a21 = TStep.Step(a21, v1, k); a22 = TStep.Step(a22, Vector256.Load((float*)(s2 + (2 * zero))), k);
                        k = Vector256.Create(w[3]);
                        a30 = TStep.Step(a30, v0, k); a31 = TStep.Step(a31, v1, k); a32 = TStep.Step(a32, Vector256.Load((float*)(s2 + (4 * zero))), k);
                        w += ChannelBlock;
                    }

                    src += channelStride;
                }

                float* o = halfOutput + (long)x0 * columnStride;
                Store(a00, a01, a02, halfBias[0], o, n, columnStride, tail);
                if (halfCount > 1) Store(a10, a11, a12, halfBias[1], o + outputPlaneStride, n, columnStride, tail);
                if (halfCount > 2) Store(a20, a21, a22, halfBias[2], o + 2 * outputPlaneStride, n, columnStride, tail);
                if (halfCount > 3) Store(a30, a31, a32, halfBias[3], o + 3 * outputPlaneStride, n, columnStride, tail);
            }
        }
    }

    // The last column block of a row when it holds at most 16 columns: the same sums over 2 vectors instead of 3, so a
    // narrow map (h_s's first layer and h_a's last on a small image, a thumbnail's latent of 16 columns) computes no
    // third vector of padding. AVX-512 off, bench transforms 768 × 512, one thread: h_s.0 and h_a.4 (12 columns)
    // went from 39–40 % of the FMA peak with 16-column blocks to 29 % with 24-column blocks alone (session 21).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRowTail<TStep>(
        float* rowInput, float* weights, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int width, int coCount)
        where TStep : struct, IAccumulateStep
    {
        float* tail = stackalloc float[TailColumnBlock];
        for (int half = 0; half < 2 && 4 * half < coCount; half++)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            float* src = rowInput;
            float* w = weights + 4 * half;
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < tapCount; t++)
                {
                    float* s = src + taps[t];
                    Vector256<float> v0 = Vector256.Load(s), v1 = Vector256.Load(s + 8);
                    Vector256<float> k = Vector256.Create(w[0]);
                    a00 = TStep.Step(a00, v0, k); a01 = TStep.Step(a01, v1, k);
                    k = Vector256.Create(w[1]);
                    a10 = TStep.Step(a10, v0, k); a11 = TStep.Step(a11, v1, k);
                    k = Vector256.Create(w[2]);
                    a20 = TStep.Step(a20, v0, k); a21 = TStep.Step(a21, v1, k);
                    k = Vector256.Create(w[3]);
                    a30 = TStep.Step(a30, v0, k); a31 = TStep.Step(a31, v1, k);
                    w += ChannelBlock;
                }

                src += channelStride;
            }

            float* halfBias = bias + 4 * half;
            float* o = rowOutput + 4 * half * outputPlaneStride;
            int halfCount = coCount - 4 * half;
            Store(a00, a01, halfBias[0], o, width, columnStride, tail);
            if (halfCount > 1) Store(a10, a11, halfBias[1], o + outputPlaneStride, width, columnStride, tail);
            if (halfCount > 2) Store(a20, a21, halfBias[2], o + 2 * outputPlaneStride, width, columnStride, tail);
            if (halfCount > 3) Store(a30, a31, halfBias[3], o + 3 * outputPlaneStride, width, columnStride, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRow512<TStep, TTaps>(
        float* rowInput, float* weights, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int width, int coCount)
        where TStep : struct, IAccumulateStep
        where TTaps : struct, ITaps
    {
        float* tail = stackalloc float[WideColumnBlock];
        for (int x0 = 0; x0 < width; x0 += WideColumnBlock)
        {
            if (width - x0 <= WideTailColumnBlock)
            {
                RunRow512Tail<TStep>(rowInput + x0, weights, bias, cin, taps, tapCount, channelStride, rowOutput + ((long)x0 * columnStride), outputPlaneStride, columnStride, width - x0, coCount);
                return;
            }

            Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            Vector512<float> a40 = default, a41 = default, a50 = default, a51 = default, a60 = default, a61 = default, a70 = default, a71 = default;
            float* src = rowInput + x0;
            float* w = weights;
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < TTaps.Count(tapCount); t++)
                {
                    float* s = TTaps.At(src, taps, t);
                    Vector512<float> v0 = Vector512.Load(s), v1 = Vector512.Load(s + 16);
                    Vector512<float> k = Vector512.Create(w[0]);
                    a00 = TStep.Step(a00, v0, k); a01 = TStep.Step(a01, v1, k);
                    k = Vector512.Create(w[1]);
                    a10 = TStep.Step(a10, v0, k); a11 = TStep.Step(a11, v1, k);
                    k = Vector512.Create(w[2]);
                    a20 = TStep.Step(a20, v0, k); a21 = TStep.Step(a21, v1, k);
                    k = Vector512.Create(w[3]);
                    a30 = TStep.Step(a30, v0, k); a31 = TStep.Step(a31, v1, k);
                    k = Vector512.Create(w[4]);
                    a40 = TStep.Step(a40, v0, k); a41 = TStep.Step(a41, v1, k);
                    k = Vector512.Create(w[5]);
                    a50 = TStep.Step(a50, v0, k); a51 = TStep.Step(a51, v1, k);
                    k = Vector512.Create(w[6]);
                    a60 = TStep.Step(a60, v0, k); a61 = TStep.Step(a61, v1, k);
                    k = Vector512.Create(w[7]);
                    a70 = TStep.Step(a70, v0, k); a71 = TStep.Step(a71, v1, k);
                    w += ChannelBlock;
                }

                src += channelStride;
            }

            int n = Math.Min(WideColumnBlock, width - x0);
            float* o = rowOutput + (long)x0 * columnStride;
            Store(a00, a01, bias[0], o, n, columnStride, tail);
            if (coCount > 1) Store(a10, a11, bias[1], o + outputPlaneStride, n, columnStride, tail);
            if (coCount > 2) Store(a20, a21, bias[2], o + 2 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 3) Store(a30, a31, bias[3], o + 3 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 4) Store(a40, a41, bias[4], o + 4 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 5) Store(a50, a51, bias[5], o + 5 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 6) Store(a60, a61, bias[6], o + 6 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 7) Store(a70, a71, bias[7], o + 7 * outputPlaneStride, n, columnStride, tail);
        }
    }

    // RunRow512's last column block of a row when it holds at most 16 columns: one vector instead of two, as
    // RunRowTail for the 256-bit kernel. AVX-512, bench transforms 768 × 512 (12-column maps), one thread: h_a.4 and h_s.0
    // ran at 17–18 % of the FMA peak with 32-column blocks (session 21).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRow512Tail<TStep>(
        float* rowInput, float* weights, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int width, int coCount)
        where TStep : struct, IAccumulateStep
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        float* src = rowInput;
        float* w = weights;
        for (int ci = 0; ci < cin; ci++)
        {
            for (int t = 0; t < tapCount; t++)
            {
                Vector512<float> v = Vector512.Load(src + taps[t]);
                a0 = TStep.Step(a0, v, Vector512.Create(w[0]));
                a1 = TStep.Step(a1, v, Vector512.Create(w[1]));
                a2 = TStep.Step(a2, v, Vector512.Create(w[2]));
                a3 = TStep.Step(a3, v, Vector512.Create(w[3]));
                a4 = TStep.Step(a4, v, Vector512.Create(w[4]));
                a5 = TStep.Step(a5, v, Vector512.Create(w[5]));
                a6 = TStep.Step(a6, v, Vector512.Create(w[6]));
                a7 = TStep.Step(a7, v, Vector512.Create(w[7]));
                w += ChannelBlock;
            }

            src += channelStride;
        }

        float* tail = stackalloc float[WideTailColumnBlock];
        Store(a0, bias[0], rowOutput, width, columnStride, tail);
        if (coCount > 1) Store(a1, bias[1], rowOutput + outputPlaneStride, width, columnStride, tail);
        if (coCount > 2) Store(a2, bias[2], rowOutput + 2 * outputPlaneStride, width, columnStride, tail);
        if (coCount > 3) Store(a3, bias[3], rowOutput + 3 * outputPlaneStride, width, columnStride, tail);
        if (coCount > 4) Store(a4, bias[4], rowOutput + 4 * outputPlaneStride, width, columnStride, tail);
        if (coCount > 5) Store(a5, bias[5], rowOutput + 5 * outputPlaneStride, width, columnStride, tail);
        if (coCount > 6) Store(a6, bias[6], rowOutput + 6 * outputPlaneStride, width, columnStride, tail);
        if (coCount > 7) Store(a7, bias[7], rowOutput + 7 * outputPlaneStride, width, columnStride, tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRow512Narrow<TStep>(
        float* rowInput, float* weights, float* bias, int cin, int* taps, int tapCount, long channelStride,
        float* rowOutput, long outputPlaneStride, int columnStride, int width, int coCount)
        where TStep : struct, IAccumulateStep
    {
        float* tail = stackalloc float[NarrowColumnBlock];
        for (int x0 = 0; x0 < width; x0 += NarrowColumnBlock)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
            float* src = rowInput + x0;
            float* w = weights;
            for (int ci = 0; ci < cin; ci++)
            {
                for (int t = 0; t < tapCount; t++)
                {
                    float* s = src + taps[t];
                    Vector512<float> v0 = Vector512.Load(s), v1 = Vector512.Load(s + 16), v2 = Vector512.Load(s + 32), v3 = Vector512.Load(s + 48);
                    Vector512<float> k = Vector512.Create(w[0]);
                    a00 = TStep.Step(a00, v0, k); a01 = TStep.Step(a01, v1, k); a02 = TStep.Step(a02, v2, k); a03 = TStep.Step(a03, v3, k);
                    k = Vector512.Create(w[1]);
                    a10 = TStep.Step(a10, v0, k); a11 = TStep.Step(a11, v1, k); a12 = TStep.Step(a12, v2, k); a13 = TStep.Step(a13, v3, k);
                    k = Vector512.Create(w[2]);
                    a20 = TStep.Step(a20, v0, k); a21 = TStep.Step(a21, v1, k); a22 = TStep.Step(a22, v2, k); a23 = TStep.Step(a23, v3, k);
                    k = Vector512.Create(w[3]);
                    a30 = TStep.Step(a30, v0, k); a31 = TStep.Step(a31, v1, k); a32 = TStep.Step(a32, v2, k); a33 = TStep.Step(a33, v3, k);
                    w += ChannelBlock;
                }

                src += channelStride;
            }

            int n = Math.Min(NarrowColumnBlock, width - x0);
            float* o = rowOutput + (long)x0 * columnStride;
            Store(a00, a01, a02, a03, bias[0], o, n, columnStride, tail);
            if (coCount > 1) Store(a10, a11, a12, a13, bias[1], o + outputPlaneStride, n, columnStride, tail);
            if (coCount > 2) Store(a20, a21, a22, a23, bias[2], o + 2 * outputPlaneStride, n, columnStride, tail);
            if (coCount > 3) Store(a30, a31, a32, a33, bias[3], o + 3 * outputPlaneStride, n, columnStride, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, float bias, float* destination, int count, int columnStride, float* tail)
    {
        Vector512<float> b = Vector512.Create(bias);
        if (count == NarrowColumnBlock && columnStride == 1)
        {
            (v0 + b).Store(destination);
            (v1 + b).Store(destination + 16);
            (v2 + b).Store(destination + 32);
            (v3 + b).Store(destination + 48);
            return;
        }

        (v0 + b).Store(tail);
        (v1 + b).Store(tail + 16);
        (v2 + b).Store(tail + 32);
        (v3 + b).Store(tail + 48);
        for (int i = 0; i < count; i++)
        {
            destination[(long)i * columnStride] = tail[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, float bias, float* destination, int count, int columnStride, float* tail)
    {
        Vector256<float> b = Vector256.Create(bias);
        if (count == ColumnBlock && columnStride == 1)
        {
            (v0 + b).Store(destination);
            (v1 + b).Store(destination + 8);
            (v2 + b).Store(destination + 16);
            return;
        }

        (v0 + b).Store(tail);
        (v1 + b).Store(tail + 8);
        (v2 + b).Store(tail + 16);
        for (int i = 0; i < count; i++)
        {
            destination[(long)i * columnStride] = tail[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> lo, Vector256<float> hi, float bias, float* destination, int count, int columnStride, float* tail)
    {
        Vector256<float> b = Vector256.Create(bias);
        if (count == TailColumnBlock && columnStride == 1)
        {
            (lo + b).Store(destination);
            (hi + b).Store(destination + 8);
            return;
        }

        (lo + b).Store(tail);
        (hi + b).Store(tail + 8);
        for (int i = 0; i < count; i++)
        {
            destination[(long)i * columnStride] = tail[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float bias, float* destination, int count, int columnStride, float* tail)
    {
        Vector512<float> b = Vector512.Create(bias);
        if (count == WideTailColumnBlock && columnStride == 1)
        {
            (v + b).Store(destination);
            return;
        }

        (v + b).Store(tail);
        for (int i = 0; i < count; i++)
        {
            destination[(long)i * columnStride] = tail[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> lo, Vector512<float> hi, float bias, float* destination, int count, int columnStride, float* tail)
    {
        Vector512<float> b = Vector512.Create(bias);
        if (count == WideColumnBlock && columnStride == 1)
        {
            (lo + b).Store(destination);
            (hi + b).Store(destination + 16);
            return;
        }

        (lo + b).Store(tail);
        (hi + b).Store(tail + 16);
        for (int i = 0; i < count; i++)
        {
            destination[(long)i * columnStride] = tail[i];
        }
    }

    /// <summary>
    /// Where the main row kernels read their taps: the job's list of offsets (<see cref="ListedTaps"/>), or the one tap at
    /// offset 0 (<see cref="SingleTap"/>). A type argument, as the arithmetic is: for a single tap the JIT compiles the
    /// loop over each input channel with no inner loop and no lookup of its offset. 1 × 1 convolutions run that way: GDN's
    /// norm (<see cref="RunPointwiseRow"/>), a Winograd point's products (its four phases of each channel given as
    /// consecutive rows of one tap, <see cref="WinogradConvolution"/>) and the context networks' middle layers. Each
    /// output's sum keeps its order, so the bits are the same either way. One g_a.2-shaped Winograd layer with AVX-512 off
    /// (one thread, min of 30, interleaved): 20.7 / 19.7 → 19.5 / 18.9 ms; a GDN of 96 channels: 1.98 / 1.96 → 1.86 / 1.88 ms
    /// (session 32, docs/performance.md).
    /// </summary>
    private interface ITaps
    {
        /// <summary>The taps of a job that lists <paramref name="tapCount"/> of them.</summary>
        static abstract int Count(int tapCount);

        /// <summary>Where tap <paramref name="t"/> of <paramref name="source"/> lies.</summary>
        static abstract float* At(float* source, int* taps, int t);
    }

    /// <summary>The job's taps, each at its offset.</summary>
    private readonly struct ListedTaps : ITaps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Count(int tapCount) => tapCount;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float* At(float* source, int* taps, int t) => source + taps[t];
    }

    /// <summary>One tap at offset 0.</summary>
    private readonly struct SingleTap : ITaps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Count(int tapCount) => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float* At(float* source, int* taps, int t) => source;
    }

    /// <summary>One accumulation step <c>acc ⊕ v · k</c>, lane by lane.</summary>
    private interface IAccumulateStep
    {
        /// <summary>Whether the step needs a register for its product besides the accumulator, the value and the weight.</summary>
        static abstract bool NeedsProductRegister { get; }

        static abstract Vector256<float> Step(Vector256<float> accumulator, Vector256<float> value, Vector256<float> weight);

        static abstract Vector512<float> Step(Vector512<float> accumulator, Vector512<float> value, Vector512<float> weight);
    }

    /// <summary>spec/nic-model.md §10: the product rounded, then the sum rounded (never fused).</summary>
    private readonly struct SeparateStep : IAccumulateStep
    {
        public static bool NeedsProductRegister => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Step(Vector256<float> accumulator, Vector256<float> value, Vector256<float> weight) => accumulator + value * weight;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Step(Vector512<float> accumulator, Vector512<float> value, Vector512<float> weight) => accumulator + value * weight;
    }

    /// <summary>
    /// spec/nic-model.md §10.2: one fused multiply-add, rounded once. IEEE-754 defines it exactly, so the hardware
    /// instruction and the software fallback (hardware intrinsics off) give the same bits.
    /// </summary>
    private readonly struct FusedStep : IAccumulateStep
    {
        public static bool NeedsProductRegister => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Step(Vector256<float> accumulator, Vector256<float> value, Vector256<float> weight) => Vector256.FusedMultiplyAdd(value, weight, accumulator);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Step(Vector512<float> accumulator, Vector512<float> value, Vector512<float> weight) => Vector512.FusedMultiplyAdd(value, weight, accumulator);
    }
}
