using System.Runtime.Intrinsics;

namespace Nic.Codec.Inference;

/// <summary>
/// Generalized divisive normalization (Ballé et al.): y_c = x_c / √(β_c + Σ_j γ_cj x_j²), or its inverse
/// y_c = x_c · √(β_c + Σ_j γ_cj x_j²). β and γ are the effective (non-negative) values. The norm is accumulated like a
/// 1 × 1 convolution of x² (j ascending, β added last); √, × and ÷ are correctly rounded, so the layer is deterministic.
/// The result overwrites the input.
/// </summary>
/// <remarks>
/// The layer runs tile by tile, <see cref="TileColumns"/> columns of one row at a time: the tile's squares, the
/// convolution kernel over them for every channel (<see cref="DirectConvolution.RunPointwiseRow"/>) and the
/// normalization, in two scratch tiles that stay in cache. Squaring the whole map into a scratch map, convolving it into
/// another and normalizing in a third pass, as the layer first did, streamed every element through memory three more
/// times: on a 768 × 512 image the 128-channel layers ran at 15–27 % of a 2-core machine's FMA peak against 40–50 % for
/// the convolutions around them (docs/performance.md). The sums are the same, in the same order, so the bits are too.
/// </remarks>
internal sealed unsafe class GdnLayer : IPointwiseLayer
{
    /// <summary>
    /// Columns of one tile: whole column blocks of the row kernel the layer's 1 × 1 convolution runs on, so that no tile
    /// but a row's last ends in a block of mostly padding. 512-bit vectors: 64 (two 32-column blocks). 256-bit: 72 (three
    /// 24-column blocks); a 64-column tile was two blocks and the 16-column tail kernel (<c>RunRowTail</c>), a quarter of
    /// the norm's products at that kernel's lower rate (session 30, docs/performance.md). Read when a layer runs, as the
    /// kernels read <see cref="DirectConvolution.UseWideVectors"/>.
    /// </summary>
    internal static int TileColumns => DirectConvolution.UseWideVectors ? 2 * DirectConvolution.WideColumnBlock : MaxTileColumns;

    /// <summary>The wider of the two tiles, which a worker's scratch holds.</summary>
    private const int MaxTileColumns = 3 * DirectConvolution.ColumnBlock;

    private readonly float[] _packed;
    private readonly float[] _beta;

    public GdnLayer(int channels, ReadOnlySpan<float> beta, ReadOnlySpan<float> gamma, bool inverse, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        if (beta.Length != channels || gamma.Length != channels * channels)
        {
            throw new ArgumentException($"β [{channels}] and γ [{channels},{channels}] expected; got {beta.Length} and {gamma.Length} values");
        }

        Channels = channels;
        Inverse = inverse;
        Arithmetic = arithmetic;
        float[] g = gamma.ToArray();
        _packed = DirectConvolution.PackWeights(channels, channels, 1, (co, ci, _) => g[co * channels + ci]);
        _beta = new float[(channels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];
        beta.CopyTo(_beta);
    }

    public int Channels { get; }

    public bool Inverse { get; }

    /// <summary>How the norm's products are accumulated (spec/nic-model.md §10).</summary>
    public ManagedArithmetic Arithmetic { get; }

    public bool WritesInPlace => true;

    /// <summary>The floats of one worker's scratch (the squares and the norms of a tile) for <paramref name="channels"/> channels.</summary>
    internal static long ScratchFloats(int channels) => (2L * channels * MaxTileColumns) + DirectConvolution.InputSlack;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        ForwardRows(input, 0, input.Height, context);
        return input;
    }

    public void ForwardRows(FeatureMap input, int firstRow, int rows, LayerContext context)
    {
        if (input.Channels != Channels)
        {
            throw new ArgumentException($"the layer takes {Channels} channels, not {input.Channels}");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)firstRow + rows, (long)input.Height);
        int tileColumns = TileColumns;
        int tilesPerRow = (input.Width + tileColumns - 1) / tileColumns;
        long tiles = (long)tilesPerRow * rows, origin = (long)tilesPerRow * firstRow;
        if (tiles == 0)
        {
            return;
        }

        // About 32 tiles (2048 or 2304 columns) per work item, as the convolutions hand out theirs; the token is looked at
        // before each item.
        int tilesPerItem = (int)Math.Min(tiles, 32);
        int items = (int)((tiles + tilesPerItem - 1) / tilesPerItem);
        if (context.Parallelism <= 1 || items == 1)
        {
            float[] scratch = context.Buffers.Rent(ScratchFloats(Channels), zeroed: false);
            try
            {
                for (int item = 0; item < items; item++)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    NormalizeTiles(input, origin + (item * (long)tilesPerItem), origin + Math.Min(tiles, (item + 1) * (long)tilesPerItem), tilesPerRow, tileColumns, scratch);
                }
            }
            finally
            {
                context.Buffers.Return(scratch);
            }

            return;
        }

        // Each worker rents its own scratch; Parallel.For stops handing out items once the token is cancelled and waits
        // for the running ones.
        BufferPool buffers = context.Buffers;
        CancellationToken token = context.CancellationToken;
        Parallel.For(
            0,
            items,
            new ParallelOptions { MaxDegreeOfParallelism = context.Parallelism, CancellationToken = token },
            () => buffers.Rent(ScratchFloats(Channels), zeroed: false),
            (item, _, scratch) =>
            {
                token.ThrowIfCancellationRequested();
                NormalizeTiles(input, origin + (item * (long)tilesPerItem), origin + Math.Min(tiles, (item + 1) * (long)tilesPerItem), tilesPerRow, tileColumns, scratch);
                return scratch;
            },
            buffers.Return);
    }

    /// <summary>Normalizes the tiles first … end − 1 (row-major, <paramref name="tilesPerRow"/> of <paramref name="tileColumns"/> columns to a row) in place.</summary>
    private void NormalizeTiles(FeatureMap input, long first, long end, int tilesPerRow, int tileColumns, float[] scratch)
    {
        int channels = Channels, width = input.Width;
        long plane = input.PlaneSize;
        fixed (float* data = input.Data)
        fixed (float* squares = scratch)
        fixed (float* packed = _packed)
        fixed (float* beta = _beta)
        {
            float* norms = squares + ((long)channels * tileColumns);
            for (long tile = first; tile < end; tile++)
            {
                int y = (int)(tile / tilesPerRow), x0 = (int)(tile % tilesPerRow) * tileColumns;
                int count = Math.Min(tileColumns, width - x0);
                float* origin = data + ((long)y * width) + x0;
                for (int c = 0; c < channels; c++)
                {
                    Square(origin + (c * plane), squares + ((long)c * tileColumns), count, tileColumns);
                }

                DirectConvolution.RunPointwiseRow(squares, tileColumns, channels, packed, beta, channels, norms, tileColumns, count, Arithmetic);
                for (int c = 0; c < channels; c++)
                {
                    Normalize(origin + (c * plane), norms + ((long)c * tileColumns), count, Inverse);
                }
            }
        }
    }

    /// <summary>target[i] = source[i]², rounded, for i &lt; count; zero up to <paramref name="tileColumns"/> (the kernels read whole column blocks of the tile).</summary>
    private static void Square(float* source, float* target, int count, int tileColumns)
    {
        int i = 0;
        for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> v = Vector256.Load(source + i);
            (v * v).Store(target + i);
        }

        for (; i < count; i++)
        {
            target[i] = source[i] * source[i];
        }

        for (; i < tileColumns; i++)
        {
            target[i] = 0;
        }
    }

    /// <summary>x[i] = x[i] · √n[i] (inverse) or x[i] / √n[i], each operation correctly rounded.</summary>
    private static void Normalize(float* x, float* norm, int count, bool inverse)
    {
        int i = 0;
        for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> root = Vector256.Sqrt(Vector256.Load(norm + i));
            Vector256<float> value = Vector256.Load(x + i);
            (inverse ? value * root : value / root).Store(x + i);
        }

        for (; i < count; i++)
        {
            float root = MathF.Sqrt(norm[i]);
            x[i] = inverse ? x[i] * root : x[i] / root;
        }
    }
}
