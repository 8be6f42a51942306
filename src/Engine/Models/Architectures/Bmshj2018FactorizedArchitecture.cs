namespace Nic.Codec.Models.Architectures;

/// <summary>
/// <c>bmshj2018-factorized</c> (spec/nic-model.md §4.2): the GDN transforms of <see cref="CompressAiArchitecture"/> and
/// an entropy bottleneck over the M channels of y; no hyperprior.
/// </summary>
internal sealed class Bmshj2018FactorizedArchitecture() : CompressAiArchitecture(ModelArchitectureKind.Bmshj2018Factorized, "bmshj2018-factorized")
{
    internal override EntropyParameterRule EntropyParameters => EntropyParameterRule.None;

    internal override int BottleneckChannels(ModelHyperParameters hyperParameters) => hyperParameters.M;

    private protected override void AddEntropyModelTensors(List<ModelTensorSpec> specs, ModelHyperParameters hyperParameters) =>
        ModelTensorCatalog.AddEntropyBottleneck(specs, hyperParameters.M);
}
