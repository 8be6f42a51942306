namespace Nic.Codec.Models;

/// <summary>
/// The tensors of spec/nic-model.md §4 that are not layers: the entropy models' parameters and frozen tables, and the
/// constructors of tensor specifications. Each architecture's definition (<c>Models/Architectures</c>) lists its layers
/// (<see cref="Architectures.NetworkPlan"/>) and adds the entropy models it has from here.
/// </summary>
internal static class ModelTensorCatalog
{
    private const int Any = ModelTensorSpec.AnySize;

    /// <summary>The tensors of an entropy bottleneck over <paramref name="c"/> channels (spec/nic-model.md §4.5).</summary>
    internal static void AddEntropyBottleneck(List<ModelTensorSpec> specs, int c)
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

    /// <summary>The tensors of the Gaussian conditional: its scale table and one CDF table per scale.</summary>
    internal static void AddGaussianConditional(List<ModelTensorSpec> specs)
    {
        const string p = "gaussian_conditional.";
        specs.Add(Float(p + "scale_table", [Any], "the S scales of the tables, strictly rising"));
        AddTables(specs, p, Any, "per scale");
        specs.Add(Constant(p + "scale_bound", [1], "CompressAI constant: the lower bound of the scales"));
        specs.Add(Constant(p + "lower_bound_scale.bound", [1], "CompressAI constant: the lower bound of the scales"));
        specs.Add(Constant(p + "likelihood_lower_bound.bound", [1], "CompressAI constant: likelihood bound"));
    }

    /// <summary>The <c>_quantized_cdf</c>, <c>_offset</c> and <c>_cdf_length</c> tensors of a table set (spec/nic-model.md §6).</summary>
    internal static void AddTables(List<ModelTensorSpec> specs, string prefix, int count, string per)
    {
        specs.Add(Int(prefix + "_quantized_cdf", [count, Any], $"quantized CDFs {per}, zero-padded to Lmax"));
        specs.Add(Int(prefix + "_offset", [count], $"value of symbol 0 {per}"));
        specs.Add(Int(prefix + "_cdf_length", [count], $"valid CDF entries {per} (symbols + 2)"));
    }

    internal static ModelTensorSpec Float(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Float32, true, meaning);

    internal static ModelTensorSpec Int(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Int32, true, meaning);

    internal static ModelTensorSpec Constant(string name, int[] shape, string meaning) => new(name, shape, ModelTensorType.Float32, false, meaning);
}
