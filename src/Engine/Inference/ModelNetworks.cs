using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>
/// Builds the layers of each architecture of spec/nic-model.md §4 from a loaded model file: g_a, g_s, and for
/// the hyperprior models h_a and h_s. h_s (the entropy path) always takes the reference arithmetic; g_a, h_a and
/// g_s take the one asked for (spec/nic-model.md §10.2). The tfc-mnist networks stay in the reference arithmetic.
/// </summary>
internal static class ModelNetworks
{
    public static SequentialLayers Analysis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference) => file.Architecture.Kind switch
    {
        ModelArchitectureKind.TfcMnist => new SequentialLayers(
        [
            Conv(file, "analysis.0", 2), Leaky(MnistSlope),
            Conv(file, "analysis.2", 2), Leaky(MnistSlope),
            Linear(file, "analysis.5"), Leaky(MnistSlope),
            Linear(file, "analysis.7"),
        ], "g_a"),
        _ => new SequentialLayers(
        [
            Conv(file, "g_a.0", 2, arithmetic), Gdn(file, "g_a.1", inverse: false, arithmetic),
            Conv(file, "g_a.2", 2, arithmetic), Gdn(file, "g_a.3", inverse: false, arithmetic),
            Conv(file, "g_a.4", 2, arithmetic), Gdn(file, "g_a.5", inverse: false, arithmetic),
            Conv(file, "g_a.6", 2, arithmetic),
        ], "g_a"),
    };

    public static SequentialLayers Synthesis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference) => file.Architecture.Kind switch
    {
        ModelArchitectureKind.TfcMnist => new SequentialLayers(
        [
            Linear(file, "synthesis.0"), Leaky(MnistSlope),
            Linear(file, "synthesis.2"), Leaky(MnistSlope),
            new ReshapeLayer(MnistChannels, MnistSide, MnistSide),
            Deconv(file, "synthesis.5"), Leaky(MnistSlope),
            Deconv(file, "synthesis.7"),
        ], "g_s"),
        _ => new SequentialLayers(
        [
            Deconv(file, "g_s.0", arithmetic), Gdn(file, "g_s.1", inverse: true, arithmetic),
            Deconv(file, "g_s.2", arithmetic), Gdn(file, "g_s.3", inverse: true, arithmetic),
            Deconv(file, "g_s.4", arithmetic), Gdn(file, "g_s.5", inverse: true, arithmetic),
            Deconv(file, "g_s.6", arithmetic),
        ], "g_s"),
    };

    /// <summary>h_a, or null for architectures without a hyperprior. The hyperprior model's h_a takes |y| (added by the caller).</summary>
    public static SequentialLayers? HyperAnalysis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference) => file.Architecture.Kind switch
    {
        ModelArchitectureKind.Bmshj2018Hyperprior => new SequentialLayers(
        [
            Conv(file, "h_a.0", 1, arithmetic), ActivationLayer.Relu,
            Conv(file, "h_a.2", 2, arithmetic), ActivationLayer.Relu,
            Conv(file, "h_a.4", 2, arithmetic),
        ], "h_a"),
        ModelArchitectureKind.Mbt2018Mean => new SequentialLayers(
        [
            Conv(file, "h_a.0", 1, arithmetic), Leaky(ActivationLayer.DefaultLeakySlope),
            Conv(file, "h_a.2", 2, arithmetic), Leaky(ActivationLayer.DefaultLeakySlope),
            Conv(file, "h_a.4", 2, arithmetic),
        ], "h_a"),
        _ => null,
    };

    /// <summary>h_s, or null for architectures without a hyperprior.</summary>
    public static SequentialLayers? HyperSynthesis(NicModelFile file) => file.Architecture.Kind switch
    {
        ModelArchitectureKind.Bmshj2018Hyperprior => new SequentialLayers(
        [
            Deconv(file, "h_s.0"), ActivationLayer.Relu,
            Deconv(file, "h_s.2"), ActivationLayer.Relu,
            Conv(file, "h_s.4", 1), ActivationLayer.Relu,
        ], "h_s"),
        ModelArchitectureKind.Mbt2018Mean => new SequentialLayers(
        [
            Deconv(file, "h_s.0"), Leaky(ActivationLayer.DefaultLeakySlope),
            Deconv(file, "h_s.2"), Leaky(ActivationLayer.DefaultLeakySlope),
            Conv(file, "h_s.4", 1),
        ], "h_s"),
        _ => null,
    };

    /// <summary>
    /// mbt2018-mean's last h_s layer (h_s.4, a convolution to 2M channels: the scales, then the means) as two
    /// convolutions, one for channels 0 … M − 1 and one for M … 2M − 1, so that σ and μ are made as separate maps
    /// without a 2M-channel map and copies of its halves; null for the other architectures. Each output channel is
    /// accumulated on its own, so the two give the same bits as the whole layer.
    /// </summary>
    public static (Conv2dLayer Scales, Conv2dLayer Means)? HyperSynthesisHeads(NicModelFile file)
    {
        if (file.Architecture.Kind != ModelArchitectureKind.Mbt2018Mean)
        {
            return null;
        }

        ModelTensor weight = file.GetTensor("h_s.4.weight");
        (int outChannels, int inChannels, int kernel) = (weight.Shape[0], weight.Shape[1], weight.Shape[2]);
        int half = outChannels / 2, perChannel = inChannels * kernel * kernel;
        ReadOnlySpan<float> w = weight.Float32Data.Span, b = file.GetFloat32("h_s.4.bias").Span;
        return (
            new Conv2dLayer(inChannels, half, kernel, 1, w[..(half * perChannel)], b[..half]),
            new Conv2dLayer(inChannels, half, kernel, 1, w[(half * perChannel)..], b[half..]));
    }

    /// <summary>The LeakyReLU slope of the MNIST tutorial model (Keras' default).</summary>
    public const float MnistSlope = 0.2f;

    /// <summary>The MNIST synthesis reshapes its dense output to 50 × 7 × 7.</summary>
    public const int MnistChannels = 50, MnistSide = 7;

    private static ActivationLayer Leaky(float slope) => new(slope);

    private static Conv2dLayer Conv(NicModelFile file, string name, int stride, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        ModelTensor weight = file.GetTensor(name + ".weight");
        return new Conv2dLayer(weight.Shape[1], weight.Shape[0], weight.Shape[2], stride, weight.Float32Data.Span, file.GetFloat32(name + ".bias").Span, arithmetic);
    }

    private static ConvTranspose2dLayer Deconv(NicModelFile file, string name, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        ModelTensor weight = file.GetTensor(name + ".weight");
        return new ConvTranspose2dLayer(weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Float32Data.Span, file.GetFloat32(name + ".bias").Span, arithmetic);
    }

    private static GdnLayer Gdn(NicModelFile file, string name, bool inverse, ManagedArithmetic arithmetic)
    {
        (float[] beta, float[] gamma) = GdnParameters.Effective(file.GetFloat32(name + ".beta").Span, file.GetFloat32(name + ".gamma").Span);
        return new GdnLayer(beta.Length, beta, gamma, inverse, arithmetic);
    }

    private static LinearLayer Linear(NicModelFile file, string name)
    {
        ModelTensor weight = file.GetTensor(name + ".weight");
        return new LinearLayer(weight.Shape[1], weight.Shape[0], weight.Float32Data.Span, file.GetFloat32(name + ".bias").Span);
    }
}
