using System.Runtime.Intrinsics;

namespace Nic.Codec.Inference;

/// <summary>
/// Generalized divisive normalization (Ballé et al.): y_c = x_c / √(β_c + Σ_j γ_cj x_j²), or its inverse
/// y_c = x_c · √(β_c + Σ_j γ_cj x_j²). β and γ are the effective (non-negative) values. The norm is accumulated like a
/// 1 × 1 convolution of x² (j ascending, β added last); √, × and ÷ are correctly rounded, so the layer is deterministic.
/// </summary>
internal sealed class GdnLayer : ILayer
{
    private readonly float[] _packed;
    private readonly float[] _beta;

    public GdnLayer(int channels, ReadOnlySpan<float> beta, ReadOnlySpan<float> gamma, bool inverse)
    {
        if (beta.Length != channels || gamma.Length != channels * channels)
        {
            throw new ArgumentException($"β [{channels}] and γ [{channels},{channels}] expected; got {beta.Length} and {gamma.Length} values");
        }

        Channels = channels;
        Inverse = inverse;
        float[] g = gamma.ToArray();
        _packed = DirectConvolution.PackWeights(channels, channels, 1, (co, ci, _) => g[co * channels + ci]);
        _beta = new float[(channels + DirectConvolution.ChannelBlock - 1) / DirectConvolution.ChannelBlock * DirectConvolution.ChannelBlock];
        beta.CopyTo(_beta);
    }

    public int Channels { get; }

    public bool Inverse { get; }

    public FeatureMap Forward(FeatureMap input, int parallelism)
    {
        if (input.Channels != Channels)
        {
            throw new ArgumentException($"the layer takes {Channels} channels, not {input.Channels}");
        }

        float[] squares = PaddedPlanes.Squares(input);
        var norm = new FeatureMap(Channels, input.Height, input.Width);
        DirectConvolution.Run(
            new ConvolutionJob
            {
                Input = squares,
                InputChannelStride = input.PlaneSize,
                InputRowStride = input.Width,
                InputChannels = Channels,
                TapOffsets = [0],
                PackedWeights = _packed,
                Bias = _beta,
                Output = norm.Data,
                OutputPlaneStride = norm.PlaneSize,
                OutputRowStride = norm.Width,
                OutputChannels = Channels,
                OutputHeight = norm.Height,
                OutputWidth = norm.Width,
            },
            parallelism);

        Span<float> x = input.Data, n = norm.Data;
        int i = 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> root = Vector256.Sqrt(Vector256.Create<float>(n[i..]));
            Vector256<float> value = Vector256.Create<float>(x[i..]);
            (Inverse ? value * root : value / root).CopyTo(n[i..]);
        }

        for (; i < x.Length; i++)
        {
            float root = MathF.Sqrt(n[i]);
            n[i] = Inverse ? x[i] * root : x[i] / root;
        }

        return norm;
    }
}
