using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// A distortion for rate–distortion training: a differentiable scalar from a batch of originals and reconstructions,
/// averaged over every sample of the batch.
/// </summary>
public sealed class DistortionMeasure
{
    private readonly Func<Tensor, Tensor, Tensor> _compute;

    /// <summary>Creates a measure.</summary>
    /// <param name="name">Its name in reports and model metadata, e.g. <c>mae</c>.</param>
    /// <param name="compute">(original, reconstruction) → a scalar tensor.</param>
    public DistortionMeasure(string name, Func<Tensor, Tensor, Tensor> compute)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(compute);
        Name = name;
        _compute = compute;
    }

    /// <summary>Mean absolute error per sample (the MNIST tutorial's distortion).</summary>
    public static DistortionMeasure MeanAbsoluteError { get; } = new("mae", (x, xHat) => x.sub(xHat).abs().mean());

    /// <summary>255² · mean squared error per sample, for images in [0, 1] (CompressAI's λ convention).</summary>
    public static DistortionMeasure ScaledMeanSquaredError { get; } = new("mse", (x, xHat) => x.sub(xHat).Squared().mean().Times(255.0 * 255.0));

    /// <summary>The measure's name.</summary>
    public string Name { get; }

    /// <summary>The distortion of a batch: a scalar tensor.</summary>
    public Tensor Compute(Tensor original, Tensor reconstruction)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reconstruction);
        return _compute(original, reconstruction);
    }
}
