using Nic.Codec.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// <c>bmshj2018-factorized</c> (CompressAI's <c>FactorizedPrior</c>, spec/nic-model.md §4.2): g_a and g_s with GDN, and y
/// coded by an entropy bottleneck of M channels. The rate is −Σ log₂ of y's likelihoods.
/// </summary>
public sealed class FactorizedPriorModel : ImageCompressionModel
{
    /// <summary>Creates the model with fresh weights (from torch's global generator).</summary>
    /// <param name="n">N, the channels of the inner layers (128 in CompressAI's lower qualities).</param>
    /// <param name="m">M, the channels of the latent y (192 in CompressAI's lower qualities).</param>
    public FactorizedPriorModel(int n, int m)
        : base(nameof(FactorizedPriorModel), ModelArchitectureKind.Bmshj2018Factorized, n, m)
    {
    }

    /// <summary>The model a file describes: its parameters and the bottleneck's frozen tables, for fine-tuning or inference.</summary>
    /// <param name="file">A loaded <c>bmshj2018-factorized</c> model file.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file holds another architecture.</exception>
    public static FactorizedPriorModel FromModelFile(NicModelFile file)
    {
        CheckArchitecture(file, ModelArchitectureKind.Bmshj2018Factorized);
        return Load(new FactorizedPriorModel(file.HyperParameters.N, file.HyperParameters.M), file);
    }

    private protected override (Tensor YTilde, Tensor Bits) QuantizeLatent(Tensor y)
    {
        (Tensor yTilde, Tensor likelihoods) = EntropyBottleneck.forward(y);
        return (yTilde, Bits(likelihoods));
    }
}
