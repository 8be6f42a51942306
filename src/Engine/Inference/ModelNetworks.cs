using Nic.Codec.Models;
using Nic.Codec.Models.Architectures;

namespace Nic.Codec.Inference;

/// <summary>
/// Builds the managed layers of a loaded model file from its architecture's definition (the
/// <see cref="NetworkPlan"/>s of <see cref="ModelArchitecture"/>, spec/nic-model.md §4): g_a, g_s, and for the
/// hyperprior models h_a and h_s. h_s (the entropy path) always takes the reference arithmetic, as does any network
/// its definition marks so; g_a, h_a and g_s take the one asked for (spec/nic-model.md §10.2).
/// </summary>
internal static class ModelNetworks
{
    /// <summary>
    /// g_a. In the Winograd arithmetic, the convolutions whose output lies at least twice finer than the latent take it
    /// (spec/nic-model.md §10.3; a stream's stripe computes their columns in whole tiles of the frame's grid, see
    /// <see cref="AnalysisStream"/>); the others, g_a's last among them, the fused arithmetic.
    /// </summary>
    public static SequentialLayers Analysis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        NetworkPlan plan = file.Architecture.AnalysisPlan(file.HyperParameters);
        if (arithmetic != ManagedArithmetic.Winograd)
        {
            return Build(plan, file, arithmetic);
        }

        int factor = plan.Layers.OfType<ConvPlan>().Aggregate(1, (f, conv) => f * conv.Stride), done = 1;
        var byLayer = new ManagedArithmetic[plan.Layers.Count];
        for (int i = 0; i < byLayer.Length; i++)
        {
            byLayer[i] = ManagedArithmetic.Fused;
            if (plan.Layers[i] is ConvPlan conv)
            {
                done *= conv.Stride;
                if (factor / done >= 2)
                {
                    byLayer[i] = ManagedArithmetic.Winograd;
                }
            }
        }

        return Build(plan, file, byLayer);
    }

    /// <summary>
    /// g_s. In the Winograd arithmetic, the transposed convolutions after the first (whose input lies at least twice finer
    /// than the latent: g_s.2, g_s.4 and g_s.6 in the image models) take it (spec/nic-model.md §10.3; the stream then reads more latent rows and columns around a band,
    /// <see cref="SynthesisStream.Reach"/>); the first, which reads ŷ itself, and the others the fused arithmetic.
    /// </summary>
    public static SequentialLayers Synthesis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference)
    {
        NetworkPlan plan = file.Architecture.SynthesisPlan(file.HyperParameters);
        if (arithmetic != ManagedArithmetic.Winograd)
        {
            return Build(plan, file, arithmetic);
        }

        var byLayer = new ManagedArithmetic[plan.Layers.Count];
        bool after = false;
        for (int i = 0; i < byLayer.Length; i++)
        {
            bool deconv = plan.Layers[i] is DeconvPlan;
            byLayer[i] = deconv && after ? ManagedArithmetic.Winograd : ManagedArithmetic.Fused;
            after |= deconv;
        }

        return Build(plan, file, byLayer);
    }

    /// <summary>h_a, or null for architectures without a hyperprior (the Winograd arithmetic is the fused one here). If the definition says so, h_a takes |y| (added by the caller).</summary>
    public static SequentialLayers? HyperAnalysis(NicModelFile file, ManagedArithmetic arithmetic = ManagedArithmetic.Reference) =>
        file.Architecture.HyperAnalysisPlan(file.HyperParameters) is { } plan ? Build(plan, file, arithmetic.WithoutWinograd()) : null;

    /// <summary>h_s, or null for architectures without a hyperprior; always in the reference arithmetic.</summary>
    public static SequentialLayers? HyperSynthesis(NicModelFile file) =>
        file.Architecture.HyperSynthesisPlan(file.HyperParameters) is { } plan ? Build(plan, file, ManagedArithmetic.Reference) : null;

    /// <summary>
    /// The context networks of a channel-conditional context model (entry k − 1 is <c>context.{k}</c>, then with the
    /// checkerboard passes entry S − 1 + k is <c>spatial.{k}</c>; spec/nic-model.md §4.6), always in the reference
    /// arithmetic; empty for the other architectures.
    /// </summary>
    public static SequentialLayers[] Context(NicModelFile file) =>
        [.. file.Architecture.ContextPlans(file.HyperParameters).Select(plan => Build(plan, file, ManagedArithmetic.Reference))];

    /// <summary>
    /// For an architecture whose h_s gives the scales and the means (<see cref="EntropyParameterRule.ScalesAndMeans"/>,
    /// mbt2018-mean), h_s's last layer (a convolution to 2M channels: the scales, then the means) as two convolutions,
    /// one for channels 0 … M − 1 and one for M … 2M − 1, so that σ and μ are made as separate maps without a 2M-channel
    /// map and copies of its halves; null for the other architectures. Each output channel is accumulated on its own, so
    /// the two give the same bits as the whole layer.
    /// </summary>
    public static (Conv2dLayer Scales, Conv2dLayer Means)? HyperSynthesisHeads(NicModelFile file)
    {
        if (file.Architecture.EntropyParameters != EntropyParameterRule.ScalesAndMeans
            || file.Architecture.HyperSynthesisPlan(file.HyperParameters) is not { Layers: { Count: > 0 } layers }
            || layers[layers.Count - 1] is not ConvPlan last)
        {
            return null;
        }

        ModelTensor weight = file.GetTensor(last.Name + ".weight");
        (int outChannels, int inChannels, int kernel) = (weight.Shape[0], weight.Shape[1], weight.Shape[2]);
        int half = outChannels / 2, perChannel = inChannels * kernel * kernel;
        ReadOnlySpan<float> w = weight.Float32Data.Span, b = file.GetFloat32(last.Name + ".bias").Span;
        return (
            new Conv2dLayer(inChannels, half, kernel, last.Stride, w[..(half * perChannel)], b[..half]),
            new Conv2dLayer(inChannels, half, kernel, last.Stride, w[(half * perChannel)..], b[half..]));
    }

    /// <summary>The layers of <paramref name="network"/> with the weights of <paramref name="file"/>.</summary>
    private static SequentialLayers Build(NetworkPlan network, NicModelFile file, ManagedArithmetic arithmetic) =>
        Build(network, file, Enumerable.Repeat(arithmetic, network.Layers.Count).ToArray());

    /// <summary>The layers of <paramref name="network"/>, layer i in <paramref name="byLayer"/>[i] (all in the reference one where the definition says so).</summary>
    private static SequentialLayers Build(NetworkPlan network, NicModelFile file, ManagedArithmetic[] byLayer)
    {
        var layers = new ILayer[network.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            ManagedArithmetic arithmetic = network.ReferenceArithmetic ? ManagedArithmetic.Reference : byLayer[i];
            layers[i] = network.Layers[i] switch
            {
                ConvPlan conv => Conv(file, conv.Name, conv.Stride, arithmetic),
                DeconvPlan deconv => Deconv(file, deconv.Name, arithmetic),
                GdnPlan gdn => Gdn(file, gdn.Name, gdn.Inverse, arithmetic),
                ActivationPlan { NegativeSlope: 0 } => ActivationLayer.Relu,
                ActivationPlan activation => new ActivationLayer(activation.NegativeSlope),
                LinearPlan linear => Linear(file, linear.Name),
                ReshapePlan reshape => new ReshapeLayer(reshape.Channels, reshape.Height, reshape.Width),
                var other => throw new InvalidOperationException($"{network.Name} layer {i} is a {other.GetType().Name}, which the managed engine does not run"),
            };
        }

        return new SequentialLayers(layers, network.Name);
    }

    private static Conv2dLayer Conv(NicModelFile file, string name, int stride, ManagedArithmetic arithmetic)
    {
        ModelTensor weight = file.GetTensor(name + ".weight");
        return new Conv2dLayer(weight.Shape[1], weight.Shape[0], weight.Shape[2], stride, weight.Float32Data.Span, file.GetFloat32(name + ".bias").Span, arithmetic);
    }

    private static ConvTranspose2dLayer Deconv(NicModelFile file, string name, ManagedArithmetic arithmetic)
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
