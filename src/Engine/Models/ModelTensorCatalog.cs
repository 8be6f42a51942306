namespace Nic.Codec.Models;

/// <summary>Builds the tensor lists of spec/nic-model.md §4 for each architecture.</summary>
internal static class ModelTensorCatalog
{
    private const int Any = ModelTensorSpec.AnySize;

    internal static List<ModelTensorSpec> Build(ModelArchitectureKind kind, ModelHyperParameters hp)
    {
        var specs = new List<ModelTensorSpec>();
        int n = hp.N, m = hp.M;
        switch (kind)
        {
            case ModelArchitectureKind.Bmshj2018Factorized:
                AddGdnTransforms(specs, n, m);
                AddEntropyBottleneck(specs, m);
                break;

            case ModelArchitectureKind.Bmshj2018Hyperprior:
                AddGdnTransforms(specs, n, m);
                Conv(specs, "h_a.0", m, n, 3, "hyper-analysis conv, stride 1, padding 1; input |y|; ReLU follows");
                Conv(specs, "h_a.2", n, n, 5, "hyper-analysis conv, stride 2, padding 2; ReLU follows");
                Conv(specs, "h_a.4", n, n, 5, "hyper-analysis conv, stride 2, padding 2; output z");
                Deconv(specs, "h_s.0", n, n, "hyper-synthesis transposed conv, stride 2; ReLU follows");
                Deconv(specs, "h_s.2", n, n, "hyper-synthesis transposed conv, stride 2; ReLU follows");
                Conv(specs, "h_s.4", n, m, 3, "hyper-synthesis conv, stride 1, padding 1; ReLU follows; output the scales of y");
                AddEntropyBottleneck(specs, n);
                AddGaussianConditional(specs);
                break;

            case ModelArchitectureKind.Mbt2018Mean:
                AddGdnTransforms(specs, n, m);
                int wide = m * 3 / 2;
                Conv(specs, "h_a.0", m, n, 3, "hyper-analysis conv, stride 1, padding 1; input y; LeakyReLU(0.01) follows");
                Conv(specs, "h_a.2", n, n, 5, "hyper-analysis conv, stride 2, padding 2; LeakyReLU(0.01) follows");
                Conv(specs, "h_a.4", n, n, 5, "hyper-analysis conv, stride 2, padding 2; output z");
                Deconv(specs, "h_s.0", n, m, "hyper-synthesis transposed conv, stride 2; LeakyReLU(0.01) follows");
                Deconv(specs, "h_s.2", m, wide, "hyper-synthesis transposed conv, stride 2; LeakyReLU(0.01) follows");
                Conv(specs, "h_s.4", wide, 2 * m, 3, "hyper-synthesis conv, stride 1, padding 1; output channels 0…M−1 are the scales, M…2M−1 the means of y");
                AddEntropyBottleneck(specs, n);
                AddGaussianConditional(specs);
                break;

            case ModelArchitectureKind.TfcMnist:
                AddMnist(specs, hp.LatentDimensions);
                break;
        }

        return specs;
    }

    private static void AddGdnTransforms(List<ModelTensorSpec> specs, int n, int m)
    {
        Conv(specs, "g_a.0", 3, n, 5, "analysis conv, stride 2, padding 2; input RGB in [0, 1]");
        Gdn(specs, "g_a.1", n, inverse: false);
        Conv(specs, "g_a.2", n, n, 5, "analysis conv, stride 2, padding 2");
        Gdn(specs, "g_a.3", n, inverse: false);
        Conv(specs, "g_a.4", n, n, 5, "analysis conv, stride 2, padding 2");
        Gdn(specs, "g_a.5", n, inverse: false);
        Conv(specs, "g_a.6", n, m, 5, "analysis conv, stride 2, padding 2; output y");
        Deconv(specs, "g_s.0", m, n, "synthesis transposed conv, stride 2");
        Gdn(specs, "g_s.1", n, inverse: true);
        Deconv(specs, "g_s.2", n, n, "synthesis transposed conv, stride 2");
        Gdn(specs, "g_s.3", n, inverse: true);
        Deconv(specs, "g_s.4", n, n, "synthesis transposed conv, stride 2");
        Gdn(specs, "g_s.5", n, inverse: true);
        Deconv(specs, "g_s.6", n, 3, "synthesis transposed conv, stride 2; output RGB, clamped to [0, 1]");
    }

    private static void Conv(List<ModelTensorSpec> specs, string prefix, int inChannels, int outChannels, int kernel, string meaning)
    {
        specs.Add(Float(prefix + ".weight", [outChannels, inChannels, kernel, kernel], $"Conv2d weight [out, in, k, k]: {meaning}"));
        specs.Add(Float(prefix + ".bias", [outChannels], "Conv2d bias"));
    }

    private static void Deconv(List<ModelTensorSpec> specs, string prefix, int inChannels, int outChannels, string meaning)
    {
        specs.Add(Float(prefix + ".weight", [inChannels, outChannels, 5, 5], $"ConvTranspose2d weight [in, out, k, k]: {meaning}, padding 2, output_padding 1"));
        specs.Add(Float(prefix + ".bias", [outChannels], "ConvTranspose2d bias"));
    }

    private static void Gdn(List<ModelTensorSpec> specs, string prefix, int channels, bool inverse)
    {
        string layer = inverse ? "inverse GDN" : "GDN";
        specs.Add(Float(prefix + ".beta", [channels], $"{layer} raw beta (effective = max(raw, beta_bound)² − pedestal)"));
        specs.Add(Float(prefix + ".gamma", [channels, channels], $"{layer} raw gamma (effective = max(raw, 2^-18)² − pedestal); row i weights the squared inputs of output channel i"));
        specs.Add(Constant(prefix + ".beta_reparam.pedestal", [1], "CompressAI constant: pedestal 2^-36"));
        specs.Add(Constant(prefix + ".beta_reparam.lower_bound.bound", [1], "CompressAI constant: beta_bound"));
        specs.Add(Constant(prefix + ".gamma_reparam.pedestal", [1], "CompressAI constant: pedestal 2^-36"));
        specs.Add(Constant(prefix + ".gamma_reparam.lower_bound.bound", [1], "CompressAI constant: gamma_bound 2^-18"));
    }

    private static void AddEntropyBottleneck(List<ModelTensorSpec> specs, int c)
    {
        const string p = "entropy_bottleneck.";
        specs.Add(Float(p + "quantiles", [c, 1, 3], "per channel [lower, median, upper] quantiles; the median centres the symbols"));
        for (int i = 0; i < 5; i++)
        {
            int rows = i == 4 ? 1 : 3, cols = i == 0 ? 1 : 3;
            specs.Add(Float(p + "_matrix" + i, [c, rows, cols], "factorized density: raw matrix (training only)"));
            specs.Add(Float(p + "_bias" + i, [c, rows, 1], "factorized density: bias (training only)"));
            if (i < 4)
            {
                specs.Add(Float(p + "_factor" + i, [c, 3, 1], "factorized density: raw factor (training only)"));
            }
        }

        AddTables(specs, p, c, "per channel");
        specs.Add(Constant(p + "target", [3], "CompressAI constant: quantile targets"));
        specs.Add(Constant(p + "likelihood_lower_bound.bound", [1], "CompressAI constant: likelihood bound"));
    }

    private static void AddGaussianConditional(List<ModelTensorSpec> specs)
    {
        const string p = "gaussian_conditional.";
        specs.Add(Float(p + "scale_table", [Any], "the S scales of the tables, strictly rising"));
        AddTables(specs, p, Any, "per scale");
        specs.Add(Constant(p + "scale_bound", [1], "CompressAI constant: the lower bound of the scales"));
        specs.Add(Constant(p + "lower_bound_scale.bound", [1], "CompressAI constant: the lower bound of the scales"));
        specs.Add(Constant(p + "likelihood_lower_bound.bound", [1], "CompressAI constant: likelihood bound"));
    }

    private static void AddTables(List<ModelTensorSpec> specs, string prefix, int count, string per)
    {
        specs.Add(Int(prefix + "_quantized_cdf", [count, Any], $"quantized CDFs {per}, zero-padded to Lmax"));
        specs.Add(Int(prefix + "_offset", [count], $"value of symbol 0 {per}"));
        specs.Add(Int(prefix + "_cdf_length", [count], $"valid CDF entries {per} (symbols + 2)"));
    }

    private static void AddMnist(List<ModelTensorSpec> specs, int latent)
    {
        specs.Add(Float("analysis.0.weight", [20, 1, 5, 5], "Conv2d weight [out, in, k, k]: stride 2, padding 2; input 1×28×28 in [0, 1]; LeakyReLU(0.2) follows"));
        specs.Add(Float("analysis.0.bias", [20], "Conv2d bias"));
        specs.Add(Float("analysis.2.weight", [50, 20, 5, 5], "Conv2d weight: stride 2, padding 2; LeakyReLU(0.2) follows; then flatten (C, H, W) to 2450"));
        specs.Add(Float("analysis.2.bias", [50], "Conv2d bias"));
        specs.Add(Float("analysis.5.weight", [500, 2450], "Linear weight [out, in]; LeakyReLU(0.2) follows"));
        specs.Add(Float("analysis.5.bias", [500], "Linear bias"));
        specs.Add(Float("analysis.7.weight", [latent, 500], "Linear weight [out, in]; output y (no activation)"));
        specs.Add(Float("analysis.7.bias", [latent], "Linear bias"));
        specs.Add(Float("synthesis.0.weight", [500, latent], "Linear weight [out, in]; LeakyReLU(0.2) follows"));
        specs.Add(Float("synthesis.0.bias", [500], "Linear bias"));
        specs.Add(Float("synthesis.2.weight", [2450, 500], "Linear weight [out, in]; LeakyReLU(0.2) follows; then reshape to (50, 7, 7)"));
        specs.Add(Float("synthesis.2.bias", [2450], "Linear bias"));
        specs.Add(Float("synthesis.5.weight", [50, 20, 5, 5], "ConvTranspose2d weight [in, out, k, k]: stride 2, padding 2, output_padding 1; LeakyReLU(0.2) follows"));
        specs.Add(Float("synthesis.5.bias", [20], "ConvTranspose2d bias"));
        specs.Add(Float("synthesis.7.weight", [20, 1, 5, 5], "ConvTranspose2d weight: stride 2, padding 2, output_padding 1; output 1×28×28 (no activation)"));
        specs.Add(Float("synthesis.7.bias", [1], "ConvTranspose2d bias"));
        specs.Add(Float("prior.log_scales", [latent], "per dimension log-scale of the noisy logistic prior (location 0)"));
        AddTables(specs, "prior.", latent, "per latent dimension");
    }

    private static ModelTensorSpec Float(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Float32, true, meaning);

    private static ModelTensorSpec Int(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Int32, true, meaning);

    private static ModelTensorSpec Constant(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Float32, false, meaning);
}
