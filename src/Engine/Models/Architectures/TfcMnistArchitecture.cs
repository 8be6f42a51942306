using System.Globalization;

namespace Nic.Codec.Models.Architectures;

/// <summary>
/// <c>tfc-mnist</c> (spec/nic-model.md §4.7): the TensorFlow Compression MNIST tutorial model. 28 × 28 grey digits, a
/// dense latent of L dimensions (hyper-parameter <c>latent_dims</c>) under a per-dimension noisy-logistic prior; no image
/// latent, so no geometry, and its networks always run in the reference arithmetic.
/// </summary>
internal sealed class TfcMnistArchitecture() : ModelArchitecture(ModelArchitectureKind.TfcMnist, "tfc-mnist")
{
    /// <summary>The LeakyReLU slope of the tutorial model (Keras' default).</summary>
    public const float Slope = 0.2f;

    /// <summary>The synthesis reshapes its dense output to 50 × 7 × 7.</summary>
    public const int Channels = 50, Side = 7;

    internal override EntropyParameterRule EntropyParameters => EntropyParameterRule.None;

    internal override int ImageChannels => 1;

    internal override ModelDistortion DefaultDistortion => ModelDistortion.Mae;

    internal override double RandomModelLambda => 2000;

    private protected override ModelHyperParameters NominalHyperParameters => ModelHyperParameters.ForMnist(1);

    internal override string? CheckHyperParameters(ModelHyperParameters? hyperParameters)
    {
        if (hyperParameters is null)
        {
            return "hyper-parameters are required";
        }

        const int max = ModelHyperParameters.MaxChannels;
        if (hyperParameters.LatentDimensions is < 1 or > max || hyperParameters.N != 0 || hyperParameters.M != 0 || HasContextSizes(hyperParameters))
        {
            return $"{Identifier} needs 1 ≤ latent_dims ≤ {max} and no N or M (got N={hyperParameters.N}, M={hyperParameters.M}, latent_dims={hyperParameters.LatentDimensions})";
        }

        return null;
    }

    /// <summary>N is ignored; M is the number of latent dimensions.</summary>
    internal override ModelHyperParameters HyperParametersFor(int n, int m) => ModelHyperParameters.ForMnist(m);

    internal override ModelHyperParameters ReadHyperParameters(Func<string, int> count) =>
        ModelHyperParameters.ForMnist(count(ModelMetadataKeys.LatentDimensions));

    internal override void WriteHyperParameters(ModelHyperParameters hyperParameters, IDictionary<string, string> metadata) =>
        metadata[ModelMetadataKeys.LatentDimensions] = hyperParameters.LatentDimensions.ToString(CultureInfo.InvariantCulture);

    internal override int BottleneckChannels(ModelHyperParameters hyperParameters) => 0;

    internal override int PriorDimensions(ModelHyperParameters hyperParameters) => hyperParameters.LatentDimensions;

    internal override NetworkPlan AnalysisPlan(ModelHyperParameters hyperParameters)
    {
        int latent = hyperParameters.LatentDimensions;
        return new NetworkPlan("g_a",
        [
            new ConvPlan("analysis.0", 1, 20, 5, 2, "Conv2d weight [out, in, k, k]: stride 2, padding 2; input 1×28×28 in [0, 1]; LeakyReLU(0.2) follows"),
            new ActivationPlan(Slope),
            new ConvPlan("analysis.2", 20, 50, 5, 2, "Conv2d weight: stride 2, padding 2; LeakyReLU(0.2) follows; then flatten (C, H, W) to 2450"),
            new ActivationPlan(Slope),
            new LinearPlan("analysis.5", 2450, 500, "Linear weight [out, in]; LeakyReLU(0.2) follows"),
            new ActivationPlan(Slope),
            new LinearPlan("analysis.7", 500, latent, "Linear weight [out, in]; output y (no activation)"),
        ], ReferenceArithmetic: true);
    }

    internal override NetworkPlan SynthesisPlan(ModelHyperParameters hyperParameters)
    {
        int latent = hyperParameters.LatentDimensions;
        return new NetworkPlan("g_s",
        [
            new LinearPlan("synthesis.0", latent, 500, "Linear weight [out, in]; LeakyReLU(0.2) follows"),
            new ActivationPlan(Slope),
            new LinearPlan("synthesis.2", 500, 2450, "Linear weight [out, in]; LeakyReLU(0.2) follows; then reshape to (50, 7, 7)"),
            new ActivationPlan(Slope),
            new ReshapePlan(Channels, Side, Side),
            new DeconvPlan("synthesis.5", 50, 20, 5, "ConvTranspose2d weight [in, out, k, k]: stride 2, padding 2, output_padding 1; LeakyReLU(0.2) follows"),
            new ActivationPlan(Slope),
            new DeconvPlan("synthesis.7", 20, 1, 5, "ConvTranspose2d weight: stride 2, padding 2, output_padding 1; output 1×28×28 (no activation)"),
        ], ReferenceArithmetic: true);
    }

    private protected override void AddEntropyModelTensors(List<ModelTensorSpec> specs, ModelHyperParameters hyperParameters)
    {
        int latent = hyperParameters.LatentDimensions;
        specs.Add(ModelTensorCatalog.Float("prior.log_scales", [latent], "per dimension log-scale of the noisy logistic prior (location 0)"));
        ModelTensorCatalog.AddTables(specs, "prior.", latent, "per latent dimension");
    }
}
