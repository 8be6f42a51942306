using Nic.Codec.Entropy;
using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// The normal distribution convolved with U(−½, ½) (TF Compression's <c>NoisyNormal</c>). F = Φ, computed as
/// ½ · erfc(−x / √2) so the lower tail keeps its relative accuracy.
/// </summary>
public sealed class NoisyNormal : UniformNoisePrior
{
    /// <summary>Creates the prior with the given location (mean) and scale (standard deviation) tensors.</summary>
    public NoisyNormal(Tensor location, Tensor scale)
        : base(location, scale)
    {
    }

    /// <inheritdoc/>
    protected internal override Tensor StandardCdf(Tensor x) => x.Times(-1 / Math.Sqrt(2)).erfc().Times(0.5);

    /// <inheritdoc/>
    protected internal override double StandardCdf(double x) => StandardNormal.Cdf(x);

    /// <inheritdoc/>
    protected internal override double LowerTailDistance(double probability) => -StandardNormal.Quantile(probability);
}
