using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// The logistic distribution convolved with U(−½, ½) (TF Compression's <c>NoisyLogistic</c>): the prior of the MNIST
/// tutorial model. F(x) = 1 / (1 + e^−x).
/// </summary>
public sealed class NoisyLogistic : UniformNoisePrior
{
    /// <summary>Creates the prior with the given location and (positive) scale tensors.</summary>
    public NoisyLogistic(Tensor location, Tensor scale)
        : base(location, scale)
    {
    }

    /// <inheritdoc/>
    protected internal override Tensor StandardCdf(Tensor x) => nn.functional.sigmoid(x);

    /// <inheritdoc/>
    protected internal override double StandardCdf(double x) => 1 / (1 + Math.Exp(-x));

    /// <inheritdoc/>
    protected internal override double LowerTailDistance(double probability) => Math.Log((1 / probability) - 1);
}
