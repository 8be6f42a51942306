namespace Nic.Codec.Models.Architectures;

/// <summary>
/// <c>bmshj2018-hyperprior</c> (spec/nic-model.md §4.3): the GDN transforms of <see cref="CompressAiArchitecture"/>, the
/// scale hyperprior h_a (on |y|, ReLU) and h_s (ReLU, ending in the M scales of y), an entropy bottleneck over the N
/// channels of z and a zero-mean Gaussian conditional for y.
/// </summary>
internal sealed class Bmshj2018HyperpriorArchitecture() : CompressAiArchitecture(ModelArchitectureKind.Bmshj2018Hyperprior, "bmshj2018-hyperprior")
{
    internal override EntropyParameterRule EntropyParameters => EntropyParameterRule.Scales;

    internal override bool HyperAnalysisTakesMagnitude => true;

    internal override int BottleneckChannels(ModelHyperParameters hyperParameters) => hyperParameters.N;

    internal override NetworkPlan HyperAnalysisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M;
        return new NetworkPlan("h_a",
        [
            Conv("h_a.0", m, n, 3, 1, "hyper-analysis conv, stride 1, padding 1; input |y|; ReLU follows"),
            ActivationPlan.Relu,
            Conv("h_a.2", n, n, Kernel, 2, "hyper-analysis conv, stride 2, padding 2; ReLU follows"),
            ActivationPlan.Relu,
            Conv("h_a.4", n, n, Kernel, 2, "hyper-analysis conv, stride 2, padding 2; output z"),
        ]);
    }

    internal override NetworkPlan HyperSynthesisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M;
        return new NetworkPlan("h_s",
        [
            Deconv("h_s.0", n, n, "hyper-synthesis transposed conv, stride 2; ReLU follows"),
            ActivationPlan.Relu,
            Deconv("h_s.2", n, n, "hyper-synthesis transposed conv, stride 2; ReLU follows"),
            ActivationPlan.Relu,
            Conv("h_s.4", n, m, 3, 1, "hyper-synthesis conv, stride 1, padding 1; ReLU follows; output the scales of y"),
            ActivationPlan.Relu,
        ], ReferenceArithmetic: true);
    }

    private protected override void AddEntropyModelTensors(List<ModelTensorSpec> specs, ModelHyperParameters hyperParameters)
    {
        ModelTensorCatalog.AddEntropyBottleneck(specs, hyperParameters.N);
        ModelTensorCatalog.AddGaussianConditional(specs);
    }
}
