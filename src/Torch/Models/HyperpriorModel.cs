using Nic.Codec.Entropy;
using Nic.Codec.Models;
using Nic.Torch.EntropyModels;
using Nic.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// What the two hyperprior architectures share (spec/nic-model.md §4.3, §4.4): besides g_a, g_s and the entropy
/// bottleneck (which codes z, N channels), a hyper-analysis <c>h_a</c>, a hyper-synthesis <c>h_s</c> and a
/// <see cref="EntropyModels.GaussianConditional"/> (module <c>gaussian_conditional</c>, 64 scales log-spaced from 0.11
/// to 256 unless loaded from a file) that codes y under the σ (and μ) h_s predicts. The rate is −Σ log₂ of the
/// likelihoods of y and z.
/// </summary>
public abstract class HyperpriorModel : ImageCompressionModel
{
    private readonly Sequential _hyperAnalysis;
    private readonly Sequential _hyperSynthesis;

    /// <summary>Creates the shared parts and registers the given hyper-transforms as <c>h_a</c> and <c>h_s</c>.</summary>
    private protected HyperpriorModel(string name, ModelArchitectureKind architecture, int n, int m, Sequential hyperAnalysis, Sequential hyperSynthesis)
        : base(name, architecture, n, m)
    {
        _hyperAnalysis = hyperAnalysis;
        _hyperSynthesis = hyperSynthesis;
        GaussianConditional = new GaussianConditional();
        register_module("h_a", _hyperAnalysis);
        register_module("h_s", _hyperSynthesis);
        register_module("gaussian_conditional", GaussianConditional);
    }

    /// <summary>True.</summary>
    public override bool HasHyperprior => true;

    /// <summary>The Gaussian conditional that codes y (module <c>gaussian_conditional</c>).</summary>
    public GaussianConditional GaussianConditional { get; }

    /// <summary>Runs the hyper-analysis layers on their input (|y| or y, as the architecture says).</summary>
    private protected Tensor RunHyperAnalysis(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != M)
        {
            throw new ArgumentException($"h_a takes latents (B, {M}, h, w); got {TensorData.Shape(input)}", nameof(input));
        }

        return _hyperAnalysis.forward(input);
    }

    /// <summary>Runs the hyper-synthesis layers on ẑ.</summary>
    private protected Tensor RunHyperSynthesis(Tensor zHat)
    {
        ArgumentNullException.ThrowIfNull(zHat);
        if (zHat.dim() != 4 || zHat.shape[1] != N)
        {
            throw new ArgumentException($"h_s takes hyper-latents (B, {N}, h, w); got {TensorData.Shape(zHat)}", nameof(zHat));
        }

        return _hyperSynthesis.forward(zHat);
    }

    private protected override (Tensor YTilde, Tensor Bits) QuantizeLatent(Tensor y)
    {
        using var scope = NewDisposeScope();
        Tensor z = HyperAnalyze(y);
        (Tensor zTilde, Tensor zLikelihoods) = EntropyBottleneck.forward(z);
        (Tensor scales, Tensor? means) = HyperSynthesize(zTilde);
        (Tensor yTilde, Tensor yLikelihoods) = GaussianConditional.forward(y, scales, means);
        Tensor bits = Bits(yLikelihoods).Plus(Bits(zLikelihoods));
        return (yTilde.MoveToOuterDisposeScope(), bits.MoveToOuterDisposeScope());
    }

    private protected override void AddExportTensors(NicModelFileBuilder builder)
    {
        const string prefix = "gaussian_conditional.";
        float[] scales = GaussianConditional.ScaleTable.ToArray();
        builder.AddFloat32(prefix + "scale_table", [scales.Length], scales);
        (Tensor cdf, Tensor offset, Tensor length) = FrozenCdfTables.ToTensors(GaussianConditional.Tables);
        using (cdf)
        using (offset)
        using (length)
        {
            AddTables(builder, prefix, cdf, offset, length);
        }
    }

    private protected override void LoadExtraTables(NicModelFile file)
    {
        GaussianConditional.LoadTables(
            file.ScaleTable.ToArray(),
            file.GaussianConditionalTables ?? throw new ArgumentException("the file has no Gaussian conditional tables", nameof(file)));
    }

    /// <summary>
    /// Takes an imported state dict's scale table, when it has one, and builds the Gaussian tables from its binary32
    /// values; without one the default table (64 scales from 0.11 to 256) stays.
    /// </summary>
    private protected override void LoadStateDictTables(StateDict stateDict)
    {
        if (stateDict.ScaleTable is not { } scales)
        {
            return;
        }

        double[] widened = Array.ConvertAll(scales, s => (double)s);
        GaussianConditional.LoadTables(scales, GaussianCdfTables.Create(widened));
    }

    /// <summary>The LeakyReLU of the mean-scale hyperprior, PyTorch's default slope 0.01.</summary>
    private protected static LeakyRelu Leaky() => new(0.01);
}
