using Nic.Codec.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// <c>bmshj2018-hyperprior</c> (CompressAI's <c>ScaleHyperprior</c>, spec/nic-model.md §4.3): h_a = conv(M, N, k3, s1)
/// ReLU conv(N, N, k5, s2) ReLU conv(N, N, k5, s2) applied to |y|; h_s = deconv(N, N) ReLU deconv(N, N) ReLU
/// conv(N, M, k3, s1) ReLU, giving the scales σ; y is coded by the zero-mean Gaussian conditional.
/// </summary>
public sealed class ScaleHyperpriorModel : HyperpriorModel
{
    /// <summary>Creates the model with fresh weights (from torch's global generator).</summary>
    /// <param name="n">N, the channels of the inner layers and of z (128 in CompressAI's lower qualities).</param>
    /// <param name="m">M, the channels of the latent y (192 in CompressAI's lower qualities).</param>
    public ScaleHyperpriorModel(int n, int m)
        : base(
            nameof(ScaleHyperpriorModel),
            ModelArchitectureKind.Bmshj2018Hyperprior,
            n,
            m,
            nn.Sequential(Conv(m, n, 3, 1), nn.ReLU(), Conv(n, n, Kernel, 2), nn.ReLU(), Conv(n, n, Kernel, 2)),
            nn.Sequential(Deconv(n, n), nn.ReLU(), Deconv(n, n), nn.ReLU(), Conv(n, m, 3, 1), nn.ReLU()))
    {
    }

    /// <summary>The model a file describes: its parameters and frozen tables, for fine-tuning or inference.</summary>
    /// <param name="file">A loaded <c>bmshj2018-hyperprior</c> model file.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file holds another architecture.</exception>
    public static ScaleHyperpriorModel FromModelFile(NicModelFile file)
    {
        CheckArchitecture(file, ModelArchitectureKind.Bmshj2018Hyperprior);
        return Load(new ScaleHyperpriorModel(file.HyperParameters.N, file.HyperParameters.M), file);
    }

    /// <summary>z = h_a(|y|).</summary>
    public override Tensor HyperAnalyze(Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        using var scope = NewDisposeScope();
        return RunHyperAnalysis(y.abs()).MoveToOuterDisposeScope();
    }

    /// <summary>σ = h_s(ẑ) (after its final ReLU); no means.</summary>
    public override (Tensor Scales, Tensor? Means) HyperSynthesize(Tensor zHat) => (RunHyperSynthesis(zHat), null);
}
