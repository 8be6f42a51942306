using Nic.Codec.Inference;

namespace Nic.Codec.Models.Architectures;

/// <summary>
/// <c>mbt2018-mean</c> (spec/nic-model.md §4.4): the GDN transforms of <see cref="CompressAiArchitecture"/>, the
/// mean-scale hyperprior h_a (on y, LeakyReLU 0.01) and h_s (LeakyReLU 0.01, widening to 3M/2, ending in 2M channels: the
/// scales, then the means of y), an entropy bottleneck over the N channels of z and a Gaussian conditional for y − μ.
/// <see cref="Mbt2018MeanChannelContextArchitecture"/> derives from it.
/// </summary>
internal class Mbt2018MeanArchitecture : CompressAiArchitecture
{
    public Mbt2018MeanArchitecture()
        : this(ModelArchitectureKind.Mbt2018Mean, "mbt2018-mean")
    {
    }

    /// <summary>An architecture built on the mean-scale hyperprior: the same transforms, h_a, h_s and entropy models.</summary>
    private protected Mbt2018MeanArchitecture(ModelArchitectureKind kind, string identifier)
        : base(kind, identifier)
    {
    }

    /// <summary>PyTorch's default LeakyReLU slope, which the mean-scale hyperprior's hyper-transforms use.</summary>
    private const float LeakySlope = ActivationLayer.DefaultLeakySlope;

    internal override EntropyParameterRule EntropyParameters => EntropyParameterRule.ScalesAndMeans;

    internal override int BottleneckChannels(ModelHyperParameters hyperParameters) => hyperParameters.N;

    internal override NetworkPlan HyperAnalysisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M;
        return new NetworkPlan("h_a",
        [
            Conv("h_a.0", m, n, 3, 1, "hyper-analysis conv, stride 1, padding 1; input y; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Conv("h_a.2", n, n, Kernel, 2, "hyper-analysis conv, stride 2, padding 2; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Conv("h_a.4", n, n, Kernel, 2, "hyper-analysis conv, stride 2, padding 2; output z"),
        ]);
    }

    internal override NetworkPlan HyperSynthesisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M, wide = m * 3 / 2;
        return new NetworkPlan("h_s",
        [
            Deconv("h_s.0", n, m, "hyper-synthesis transposed conv, stride 2; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Deconv("h_s.2", m, wide, "hyper-synthesis transposed conv, stride 2; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Conv("h_s.4", wide, 2 * m, 3, 1, "hyper-synthesis conv, stride 1, padding 1; output channels 0…M−1 are the scales, M…2M−1 the means of y"),
        ], ReferenceArithmetic: true);
    }

    private protected override void AddEntropyModelTensors(List<ModelTensorSpec> specs, ModelHyperParameters hyperParameters)
    {
        ModelTensorCatalog.AddEntropyBottleneck(specs, hyperParameters.N);
        ModelTensorCatalog.AddGaussianConditional(specs);
    }
}
