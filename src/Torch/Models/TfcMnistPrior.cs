using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Models;

/// <summary>
/// The learned part of the <c>tfc-mnist</c> prior: one log-scale per latent dimension (parameter <c>log_scales</c>),
/// giving a noisy logistic with location 0 and scale <c>exp(log_scales)</c> per dimension.
/// </summary>
internal sealed class TfcMnistPrior : nn.Module
{
    private readonly Parameter _logScales;

    internal TfcMnistPrior(int latentDimensions)
        : base("prior")
    {
        _logScales = nn.Parameter(zeros(latentDimensions));
        register_parameter("log_scales", _logScales);
    }

    internal Parameter LogScales => _logScales;
}
