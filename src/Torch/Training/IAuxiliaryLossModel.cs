using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// A model with an auxiliary objective optimized apart from the rate–distortion loss: the entropy bottleneck's quantile
/// loss. <see cref="RateDistortionTrainer"/> gives <see cref="AuxiliaryParameters"/> their own optimizer and keeps them
/// out of the main one.
/// </summary>
public interface IAuxiliaryLossModel
{
    /// <summary>The parameters only the auxiliary loss trains (the bottleneck's <c>quantiles</c>).</summary>
    IEnumerable<Parameter> AuxiliaryParameters();

    /// <summary>The auxiliary loss (a scalar), differentiable in <see cref="AuxiliaryParameters"/>.</summary>
    Tensor AuxiliaryLoss();
}
