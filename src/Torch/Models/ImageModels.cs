using Nic.Codec.Models;

namespace Nic.Torch.Models;

/// <summary>Creates the TorchSharp image models of spec/nic-model.md §4.2–§4.4 by architecture, fresh or from a model file.</summary>
public static class ImageModels
{
    /// <summary>A model of <paramref name="architecture"/> with fresh weights (from torch's global generator).</summary>
    /// <param name="architecture"><c>bmshj2018-factorized</c>, <c>bmshj2018-hyperprior</c> or <c>mbt2018-mean</c>.</param>
    /// <param name="n">N, the channels of the inner layers.</param>
    /// <param name="m">M, the channels of the latent y.</param>
    /// <returns>The model, in training mode.</returns>
    /// <exception cref="ArgumentException">The architecture is not an image architecture (tfc-mnist has its own <see cref="TfcMnistModel"/>).</exception>
    public static ImageCompressionModel Create(ModelArchitectureKind architecture, int n, int m) => architecture switch
    {
        ModelArchitectureKind.Bmshj2018Factorized => new FactorizedPriorModel(n, m),
        ModelArchitectureKind.Bmshj2018Hyperprior => new ScaleHyperpriorModel(n, m),
        ModelArchitectureKind.Mbt2018Mean => new MeanScaleHyperpriorModel(n, m),
        _ => throw new ArgumentException($"{architecture} is not an image architecture; use TfcMnistModel for tfc-mnist", nameof(architecture)),
    };

    /// <summary>The model a file describes (parameters and frozen tables), for fine-tuning or inference.</summary>
    /// <param name="file">A loaded model file of an image architecture.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file holds tfc-mnist (see <see cref="TfcMnistModel.FromModelFile"/>).</exception>
    public static ImageCompressionModel FromModelFile(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Architecture.Kind switch
        {
            ModelArchitectureKind.Bmshj2018Factorized => FactorizedPriorModel.FromModelFile(file),
            ModelArchitectureKind.Bmshj2018Hyperprior => ScaleHyperpriorModel.FromModelFile(file),
            ModelArchitectureKind.Mbt2018Mean => MeanScaleHyperpriorModel.FromModelFile(file),
            _ => throw new ArgumentException($"{file.Architecture} is not an image architecture; use TfcMnistModel.FromModelFile", nameof(file)),
        };
    }
}
