using Nic.Codec.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// <c>mbt2018-mean</c> (CompressAI's <c>MeanScaleHyperprior</c>, spec/nic-model.md §4.4): h_a = conv(M, N, k3, s1)
/// LeakyReLU conv(N, N, k5, s2) LeakyReLU conv(N, N, k5, s2) applied to y itself; h_s = deconv(N, M) LeakyReLU
/// deconv(M, ⌊3M/2⌋) LeakyReLU conv(⌊3M/2⌋, 2M, k3, s1), whose output splits as CompressAI's <c>chunk(2, 1)</c> does:
/// channels 0 … M−1 are the scales σ, M … 2M−1 the means μ. LeakyReLU has PyTorch's default slope 0.01. y is coded as
/// <c>round(y − μ)</c> under the table of σ.
/// </summary>
public sealed class MeanScaleHyperpriorModel : HyperpriorModel
{
    /// <summary>Creates the model with fresh weights (from torch's global generator).</summary>
    /// <param name="n">N, the channels of the inner layers and of z (128 in CompressAI's lower qualities).</param>
    /// <param name="m">M, the channels of the latent y (192 in CompressAI's lower qualities).</param>
    public MeanScaleHyperpriorModel(int n, int m)
        : base(
            nameof(MeanScaleHyperpriorModel),
            ModelArchitectureKind.Mbt2018Mean,
            n,
            m,
            nn.Sequential(Conv(m, n, 3, 1), Leaky(), Conv(n, n, Kernel, 2), Leaky(), Conv(n, n, Kernel, 2)),
            nn.Sequential(Deconv(n, m), Leaky(), Deconv(m, m * 3 / 2), Leaky(), Conv(m * 3 / 2, 2 * m, 3, 1)))
    {
    }

    /// <summary>
    /// The model a file describes: its parameters and frozen tables, for fine-tuning or inference. An
    /// <c>mbt2018-mean-cc</c> file gives its mean-scale transforms, hyperprior and tables (its context networks are
    /// the managed engine's, spec/nic-coding.md §10.3).
    /// </summary>
    /// <param name="file">A loaded <c>mbt2018-mean</c> or <c>mbt2018-mean-cc</c> model file.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file holds another architecture.</exception>
    public static MeanScaleHyperpriorModel FromModelFile(NicModelFile file)
    {
        CheckArchitecture(file, ModelArchitectureKind.Mbt2018Mean);
        return Load(new MeanScaleHyperpriorModel(file.HyperParameters.N, file.HyperParameters.M), file);
    }

    /// <summary>z = h_a(y).</summary>
    public override Tensor HyperAnalyze(Tensor y) => RunHyperAnalysis(y);

    /// <summary>h_s(ẑ) split into the scales (channels 0 … M−1) and the means (channels M … 2M−1).</summary>
    public override (Tensor Scales, Tensor? Means) HyperSynthesize(Tensor zHat)
    {
        using var scope = NewDisposeScope();
        Tensor[] parts = RunHyperSynthesis(zHat).chunk(2, 1);
        return (parts[0].MoveToOuterDisposeScope(), parts[1].MoveToOuterDisposeScope());
    }
}
