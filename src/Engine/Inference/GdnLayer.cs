using System.Runtime.Intrinsics;

namespace Nic.Codec.Inference;

/// <summary>
/// Generalized divisive normalization (Ballé et al.): y_c = x_c / √(β_c + Σ_j γ_cj x_j²), or its inverse
/// y_c = x_c · √(β_c + Σ_j γ_cj x_j²). β and γ are the effective (non-negative) values. The norm is accumulated like a
/// 1 × 1 convolution of x² (j ascending, β added last); √, × and ÷ are correctly rounded, so the layer is deterministic.
/// The result overwrites the input.
/// </summary>
internal sealed class GdnLayer : ILayer
{
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

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        if (input.Channels != Channels)
        {
            throw new ArgumentException($"the layer takes {Channels} channels, not {input.Channels}");
        }

        // Row blocks of about 2^20 elements bound the scratch (x² and the norm) whatever the image size.
        int blockRows = Math.Clamp((1 << 20) / Math.Max(1, Channels * input.Width), 1, input.Height);
        float[] squares = context.Buffers.Rent((long)Channels * blockRows * input.Width + DirectConvolution.InputSlack, zeroed: true, context.CancellationToken);
        float[] norm = context.Buffers.Rent((long)Channels * blockRows * input.Width, zeroed: false);
        try
        {
            for (int first = 0; first < input.Height; first += blockRows)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                Normalize(input, first, Math.Min(blockRows, input.Height - first), squares, norm, context.Parallelism, context.CancellationToken);
            }
        }
        finally
        {
            context.Buffers.Return(squares);
            context.Buffers.Return(norm);
        }

        return input;
    }

    /// <summary>Normalizes rows first … first + rows − 1 of every channel in place.</summary>
    private void Normalize(FeatureMap input, int first, int rows, float[] squares, float[] norm, int parallelism, CancellationToken cancellationToken)
    {
        int width = input.Width, block = rows * width;
        for (int c = 0; c < Channels; c++)
        {
            ReadOnlySpan<float> source = input.Data.AsSpan(c * input.PlaneSize + first * width, block);
            Span<float> target = squares.AsSpan(c * block, block);
            int i = 0;
            for (; i <= block - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.Create(source[i..]);
                (v * v).CopyTo(target[i..]);
            }

            for (; i < block; i++)
            {
                target[i] = source[i] * source[i];
            }
        }

        DirectConvolution.Run(
            new ConvolutionJob
            {
                Input = squares,
                InputChannelStride = block,
                InputRowStride = width,
                InputChannels = Channels,
                TapOffsets = [0],
                PackedWeights = _packed,
                Bias = _beta,
                Output = norm,
                OutputPlaneStride = block,
                OutputRowStride = width,
                OutputChannels = Channels,
                OutputHeight = rows,
                OutputWidth = width,
                Arithmetic = Arithmetic,
            },
            parallelism,
            cancellationToken);

        for (int c = 0; c < Channels; c++)
        {
            Span<float> x = input.Data.AsSpan(c * input.PlaneSize + first * width, block);
            ReadOnlySpan<float> n = norm.AsSpan(c * block, block);
            int i = 0;
            for (; i <= block - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> root = Vector256.Sqrt(Vector256.Create(n[i..]));
                Vector256<float> value = Vector256.Create<float>(x[i..]);
                (Inverse ? value * root : value / root).CopyTo(x[i..]);
            }

            for (; i < block; i++)
            {
                float root = MathF.Sqrt(n[i]);
                x[i] = Inverse ? x[i] * root : x[i] / root;
            }
        }
    }
}
