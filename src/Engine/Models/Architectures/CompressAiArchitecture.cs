using System.Globalization;

namespace Nic.Codec.Models.Architectures;

/// <summary>
/// What the CompressAI image architectures share (spec/nic-model.md §4.1): the hyper-parameters N and M, the GDN
/// analysis transform g_a (four convolutions k5 stride 2, GDN between them) and its mirror image g_s (four transposed
/// convolutions with inverse GDN), and an entropy bottleneck.
/// </summary>
internal abstract class CompressAiArchitecture : ModelArchitecture
{
    /// <summary>The kernel size of the transforms' (and the hyper-transforms' strided) layers.</summary>
    private protected const int Kernel = 5;

    private protected CompressAiArchitecture(ModelArchitectureKind kind, string identifier)
        : base(kind, identifier)
    {
    }

    private protected override ModelHyperParameters NominalHyperParameters => ModelHyperParameters.ForChannels(1, 1);

    internal override string? CheckHyperParameters(ModelHyperParameters? hyperParameters)
    {
        if (hyperParameters is null)
        {
            return "hyper-parameters are required";
        }

        const int max = ModelHyperParameters.MaxChannels;
        if (hyperParameters.N is < 1 or > max || hyperParameters.M is < 1 or > max || hyperParameters.LatentDimensions != 0)
        {
            return $"{Identifier} needs 1 ≤ N, M ≤ {max} and no latent dimensions (got N={hyperParameters.N}, M={hyperParameters.M}, latent_dims={hyperParameters.LatentDimensions})";
        }

        if (HasContextSizes(hyperParameters))
        {
            return $"{Identifier} has no context model (got context_slices={hyperParameters.ContextSlices}, context_hidden={hyperParameters.ContextHidden}, context_kernel={hyperParameters.ContextKernel}, context_checkerboard={hyperParameters.ContextCheckerboard})";
        }

        return null;
    }

    internal override ModelHyperParameters HyperParametersFor(int n, int m) => ModelHyperParameters.ForChannels(n, m);

    internal override ModelHyperParameters ReadHyperParameters(Func<string, int> count) =>
        ModelHyperParameters.ForChannels(count(ModelMetadataKeys.N), count(ModelMetadataKeys.M));

    internal override void WriteHyperParameters(ModelHyperParameters hyperParameters, IDictionary<string, string> metadata)
    {
        metadata[ModelMetadataKeys.N] = hyperParameters.N.ToString(CultureInfo.InvariantCulture);
        metadata[ModelMetadataKeys.M] = hyperParameters.M.ToString(CultureInfo.InvariantCulture);
    }

    internal override NetworkPlan AnalysisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M;
        return new NetworkPlan("g_a",
        [
            Conv("g_a.0", 3, n, Kernel, 2, "analysis conv, stride 2, padding 2; input RGB in [0, 1]"),
            new GdnPlan("g_a.1", n, Inverse: false),
            Conv("g_a.2", n, n, Kernel, 2, "analysis conv, stride 2, padding 2"),
            new GdnPlan("g_a.3", n, Inverse: false),
            Conv("g_a.4", n, n, Kernel, 2, "analysis conv, stride 2, padding 2"),
            new GdnPlan("g_a.5", n, Inverse: false),
            Conv("g_a.6", n, m, Kernel, 2, "analysis conv, stride 2, padding 2; output y"),
        ]);
    }

    internal override NetworkPlan SynthesisPlan(ModelHyperParameters hyperParameters)
    {
        int n = hyperParameters.N, m = hyperParameters.M;
        return new NetworkPlan("g_s",
        [
            Deconv("g_s.0", m, n, "synthesis transposed conv, stride 2"),
            new GdnPlan("g_s.1", n, Inverse: true),
            Deconv("g_s.2", n, n, "synthesis transposed conv, stride 2"),
            new GdnPlan("g_s.3", n, Inverse: true),
            Deconv("g_s.4", n, n, "synthesis transposed conv, stride 2"),
            new GdnPlan("g_s.5", n, Inverse: true),
            Deconv("g_s.6", n, 3, "synthesis transposed conv, stride 2; output RGB, clamped to [0, 1]"),
        ]);
    }

    /// <summary>A convolution with padding k/2, its weight described as the tensor list of §4 describes it.</summary>
    private protected static ConvPlan Conv(string name, int inChannels, int outChannels, int kernel, int stride, string meaning) =>
        new(name, inChannels, outChannels, kernel, stride, $"Conv2d weight [out, in, k, k]: {meaning}");

    /// <summary>A transposed convolution k5, stride 2, padding 2, output padding 1.</summary>
    private protected static DeconvPlan Deconv(string name, int inChannels, int outChannels, string meaning) =>
        new(name, inChannels, outChannels, Kernel, $"ConvTranspose2d weight [in, out, k, k]: {meaning}, padding 2, output_padding 1");
}
