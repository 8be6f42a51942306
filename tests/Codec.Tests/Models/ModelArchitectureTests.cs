using Nic.Codec.Models;

namespace Nic.Codec.Tests.Models;

public class ModelArchitectureTests
{
    /// <summary>
    /// The state dict of CompressAI's ScaleHyperprior(N=128, M=192) after update(): every parameter and buffer name,
    /// its shape (−1 where it depends on the tables), and whether Nic requires it (false: a constant buffer that a
    /// converted checkpoint may keep). Derived by hand from compressai/models/google.py, layers/gdn.py,
    /// ops/parametrizers.py, ops/bound_ops.py and entropy_models/entropy_models.py.
    /// </summary>
    private static readonly (string Name, int[] Shape, bool Required)[] CompressaiHyperpriorStateDict =
    [
        ("g_a.0.weight", [128, 3, 5, 5], true),
        ("g_a.0.bias", [128], true),
        ("g_a.1.beta", [128], true),
        ("g_a.1.gamma", [128, 128], true),
        ("g_a.1.beta_reparam.pedestal", [1], false),
        ("g_a.1.beta_reparam.lower_bound.bound", [1], false),
        ("g_a.1.gamma_reparam.pedestal", [1], false),
        ("g_a.1.gamma_reparam.lower_bound.bound", [1], false),
        ("g_a.2.weight", [128, 128, 5, 5], true),
        ("g_a.2.bias", [128], true),
        ("g_a.3.beta", [128], true),
        ("g_a.3.gamma", [128, 128], true),
        ("g_a.3.beta_reparam.pedestal", [1], false),
        ("g_a.3.beta_reparam.lower_bound.bound", [1], false),
        ("g_a.3.gamma_reparam.pedestal", [1], false),
        ("g_a.3.gamma_reparam.lower_bound.bound", [1], false),
        ("g_a.4.weight", [128, 128, 5, 5], true),
        ("g_a.4.bias", [128], true),
        ("g_a.5.beta", [128], true),
        ("g_a.5.gamma", [128, 128], true),
        ("g_a.5.beta_reparam.pedestal", [1], false),
        ("g_a.5.beta_reparam.lower_bound.bound", [1], false),
        ("g_a.5.gamma_reparam.pedestal", [1], false),
        ("g_a.5.gamma_reparam.lower_bound.bound", [1], false),
        ("g_a.6.weight", [192, 128, 5, 5], true),
        ("g_a.6.bias", [192], true),
        ("g_s.0.weight", [192, 128, 5, 5], true),
        ("g_s.0.bias", [128], true),
        ("g_s.1.beta", [128], true),
        ("g_s.1.gamma", [128, 128], true),
        ("g_s.1.beta_reparam.pedestal", [1], false),
        ("g_s.1.beta_reparam.lower_bound.bound", [1], false),
        ("g_s.1.gamma_reparam.pedestal", [1], false),
        ("g_s.1.gamma_reparam.lower_bound.bound", [1], false),
        ("g_s.2.weight", [128, 128, 5, 5], true),
        ("g_s.2.bias", [128], true),
        ("g_s.3.beta", [128], true),
        ("g_s.3.gamma", [128, 128], true),
        ("g_s.3.beta_reparam.pedestal", [1], false),
        ("g_s.3.beta_reparam.lower_bound.bound", [1], false),
        ("g_s.3.gamma_reparam.pedestal", [1], false),
        ("g_s.3.gamma_reparam.lower_bound.bound", [1], false),
        ("g_s.4.weight", [128, 128, 5, 5], true),
        ("g_s.4.bias", [128], true),
        ("g_s.5.beta", [128], true),
        ("g_s.5.gamma", [128, 128], true),
        ("g_s.5.beta_reparam.pedestal", [1], false),
        ("g_s.5.beta_reparam.lower_bound.bound", [1], false),
        ("g_s.5.gamma_reparam.pedestal", [1], false),
        ("g_s.5.gamma_reparam.lower_bound.bound", [1], false),
        ("g_s.6.weight", [128, 3, 5, 5], true),
        ("g_s.6.bias", [3], true),
        ("h_a.0.weight", [128, 192, 3, 3], true),
        ("h_a.0.bias", [128], true),
        ("h_a.2.weight", [128, 128, 5, 5], true),
        ("h_a.2.bias", [128], true),
        ("h_a.4.weight", [128, 128, 5, 5], true),
        ("h_a.4.bias", [128], true),
        ("h_s.0.weight", [128, 128, 5, 5], true),
        ("h_s.0.bias", [128], true),
        ("h_s.2.weight", [128, 128, 5, 5], true),
        ("h_s.2.bias", [128], true),
        ("h_s.4.weight", [192, 128, 3, 3], true),
        ("h_s.4.bias", [192], true),
        ("entropy_bottleneck.quantiles", [128, 1, 3], true),
        ("entropy_bottleneck.target", [3], false),
        ("entropy_bottleneck.likelihood_lower_bound.bound", [1], false),
        ("entropy_bottleneck._offset", [128], true),
        ("entropy_bottleneck._quantized_cdf", [128, -1], true),
        ("entropy_bottleneck._cdf_length", [128], true),
        ("entropy_bottleneck._matrix0", [128, 3, 1], true),
        ("entropy_bottleneck._bias0", [128, 3, 1], true),
        ("entropy_bottleneck._factor0", [128, 3, 1], true),
        ("entropy_bottleneck._matrix1", [128, 3, 3], true),
        ("entropy_bottleneck._bias1", [128, 3, 1], true),
        ("entropy_bottleneck._factor1", [128, 3, 1], true),
        ("entropy_bottleneck._matrix2", [128, 3, 3], true),
        ("entropy_bottleneck._bias2", [128, 3, 1], true),
        ("entropy_bottleneck._factor2", [128, 3, 1], true),
        ("entropy_bottleneck._matrix3", [128, 3, 3], true),
        ("entropy_bottleneck._bias3", [128, 3, 1], true),
        ("entropy_bottleneck._factor3", [128, 3, 1], true),
        ("entropy_bottleneck._matrix4", [128, 1, 3], true),
        ("entropy_bottleneck._bias4", [128, 1, 1], true),
        ("gaussian_conditional.likelihood_lower_bound.bound", [1], false),
        ("gaussian_conditional.lower_bound_scale.bound", [1], false),
        ("gaussian_conditional._offset", [-1], true),
        ("gaussian_conditional._quantized_cdf", [-1, -1], true),
        ("gaussian_conditional._cdf_length", [-1], true),
        ("gaussian_conditional.scale_table", [-1], true),
        ("gaussian_conditional.scale_bound", [1], false),
    ];

    [Fact]
    public void HyperpriorTensorListIsCompressaisStateDict()
    {
        var specs = ModelArchitecture.Get(ModelArchitectureKind.Bmshj2018Hyperprior).GetTensors(ModelHyperParameters.ForChannels(128, 192));
        Assert.Equal(
            CompressaiHyperpriorStateDict.Select(e => e.Name).Order(StringComparer.Ordinal),
            specs.Select(s => s.Name));
        foreach (var (name, shape, required) in CompressaiHyperpriorStateDict)
        {
            ModelTensorSpec spec = specs.Single(s => s.Name == name);
            Assert.Equal(shape, spec.Shape);
            Assert.Equal(required, spec.Required);
            Assert.Equal(name.EndsWith("_quantized_cdf", StringComparison.Ordinal) || name.EndsWith("_offset", StringComparison.Ordinal) || name.EndsWith("_cdf_length", StringComparison.Ordinal)
                ? ModelTensorType.Int32 : ModelTensorType.Float32, spec.ElementType);
        }
    }

    [Fact]
    public void MeanScaleHyperpriorDiffersOnlyInTheHyperSynthesis()
    {
        var hp = ModelHyperParameters.ForChannels(128, 192);
        var scale = ModelArchitecture.Get(ModelArchitectureKind.Bmshj2018Hyperprior).GetTensors(hp).ToDictionary(s => s.Name);
        var mean = ModelArchitecture.Get(ModelArchitectureKind.Mbt2018Mean).GetTensors(hp).ToDictionary(s => s.Name);
        Assert.Equal(scale.Keys, mean.Keys);
        Assert.Equal([128, 192, 5, 5], mean["h_s.0.weight"].Shape);
        Assert.Equal([192, 288, 5, 5], mean["h_s.2.weight"].Shape);
        Assert.Equal([384, 288, 3, 3], mean["h_s.4.weight"].Shape);
        Assert.Equal([384], mean["h_s.4.bias"].Shape);
        foreach (string name in scale.Keys.Where(k => !k.StartsWith("h_s.", StringComparison.Ordinal)))
        {
            Assert.Equal(scale[name].Shape, mean[name].Shape);
        }
    }

    [Fact]
    public void FactorizedPriorHasABottleneckOnYAndNoHyperprior()
    {
        var specs = ModelArchitecture.Get(ModelArchitectureKind.Bmshj2018Factorized).GetTensors(ModelHyperParameters.ForChannels(128, 192)).ToDictionary(s => s.Name);
        Assert.DoesNotContain(specs.Keys, k => k.StartsWith("h_", StringComparison.Ordinal) || k.StartsWith("gaussian_conditional.", StringComparison.Ordinal));
        Assert.Equal([192, 1, 3], specs["entropy_bottleneck.quantiles"].Shape);
        Assert.Equal([192, -1], specs["entropy_bottleneck._quantized_cdf"].Shape);
        Assert.Equal([192, 1, 3], specs["entropy_bottleneck._matrix4"].Shape);
        Assert.Equal([192, 1, 1], specs["entropy_bottleneck._bias4"].Shape);
    }

    [Fact]
    public void MnistTensorList()
    {
        var specs = ModelArchitecture.Get(ModelArchitectureKind.TfcMnist).GetTensors(ModelHyperParameters.ForMnist());
        Assert.Equal(
            [
                "analysis.0.bias", "analysis.0.weight", "analysis.2.bias", "analysis.2.weight", "analysis.5.bias", "analysis.5.weight",
                "analysis.7.bias", "analysis.7.weight", "prior._cdf_length", "prior._offset", "prior._quantized_cdf", "prior.log_scales",
                "synthesis.0.bias", "synthesis.0.weight", "synthesis.2.bias", "synthesis.2.weight", "synthesis.5.bias", "synthesis.5.weight",
                "synthesis.7.bias", "synthesis.7.weight",
            ],
            specs.Select(s => s.Name));
        var byName = specs.ToDictionary(s => s.Name);
        Assert.Equal([500, 2450], byName["analysis.5.weight"].Shape);
        Assert.Equal([50, 500], byName["analysis.7.weight"].Shape);
        Assert.Equal([50, 20, 5, 5], byName["synthesis.5.weight"].Shape);
        Assert.Equal([20, 1, 5, 5], byName["synthesis.7.weight"].Shape);
        Assert.Equal([50], byName["prior.log_scales"].Shape);
    }

    [Theory]
    [InlineData(ModelArchitectureKind.Bmshj2018Factorized, 46, 72)]
    [InlineData(ModelArchitectureKind.Bmshj2018Hyperprior, 62, 91)]
    [InlineData(ModelArchitectureKind.Mbt2018Mean, 62, 91)]
    [InlineData(ModelArchitectureKind.TfcMnist, 20, 20)]
    [InlineData(ModelArchitectureKind.Mbt2018MeanChannelContext, 80, 109)]
    public void TensorCounts(ModelArchitectureKind kind, int required, int total)
    {
        var specs = ModelArchitecture.Get(kind).GetTensors(ModelFactory.HyperParametersFor(kind, 128, 192));
        Assert.Equal(required, specs.Count(s => s.Required));
        Assert.Equal(total, specs.Count);
    }

    [Fact]
    public void ArchitecturesParseByIdentifier()
    {
        foreach (ModelArchitecture architecture in ModelArchitecture.All)
        {
            Assert.True(ModelArchitecture.TryParse(architecture.Identifier, out var found));
            Assert.Same(architecture, found);
        }

        Assert.False(ModelArchitecture.TryParse("BMSHJ2018-hyperprior", out _));
        Assert.Throws<ArgumentException>(() => ModelArchitecture.Get(ModelArchitectureKind.TfcMnist).GetTensors(ModelHyperParameters.ForChannels(1, 1)));
    }
}
