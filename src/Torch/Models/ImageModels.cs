using Nic.Codec.Models;

namespace Nic.Torch.Models;

/// <summary>
/// Creates the TorchSharp image models of spec/nic-model.md §4.2–§4.4 by architecture: fresh, from a model file, or
/// from a PyTorch state dict saved as safetensors under CompressAI's names.
/// </summary>
public static class ImageModels
{
    /// <summary>
    /// The Torch module of each image architecture (the definition of each is its <see cref="ModelArchitecture"/>, whose
    /// identifier keys this table): a fresh model of N and M, and the model a file describes. An architecture without an
    /// image latent (tfc-mnist) has its own module, <see cref="TfcMnistModel"/>.
    /// </summary>
    private static readonly Dictionary<string, (Func<int, int, ImageCompressionModel>? Create, Func<NicModelFile, ImageCompressionModel> FromFile)> Modules =
        new(StringComparer.Ordinal)
        {
            [ModelArchitecture.Get(ModelArchitectureKind.Bmshj2018Factorized).Identifier] = ((n, m) => new FactorizedPriorModel(n, m), FactorizedPriorModel.FromModelFile),
            [ModelArchitecture.Get(ModelArchitectureKind.Bmshj2018Hyperprior).Identifier] = ((n, m) => new ScaleHyperpriorModel(n, m), ScaleHyperpriorModel.FromModelFile),
            [ModelArchitecture.Get(ModelArchitectureKind.Mbt2018Mean).Identifier] = ((n, m) => new MeanScaleHyperpriorModel(n, m), MeanScaleHyperpriorModel.FromModelFile),

            // mbt2018-mean-cc holds mbt2018-mean's transforms and adds a context model that only the managed engine
            // runs (spec/nic-coding.md §10.3); its context networks are trained apart, on frozen latents
            // (ChannelContextModel, nic-torch train entropy), so it has no fresh module of its own.
            [ModelArchitecture.Get(ModelArchitectureKind.Mbt2018MeanChannelContext).Identifier] = (null, MeanScaleHyperpriorModel.FromModelFile),
        };

    /// <summary>Whether <see cref="Create"/> makes fresh models of the architecture (every image architecture but mbt2018-mean-cc).</summary>
    public static bool CanCreate(ModelArchitecture architecture) =>
        architecture is not null && Modules.TryGetValue(architecture.Identifier, out var module) && module.Create is not null;

    /// <summary>A model of <paramref name="architecture"/> with fresh weights (from torch's global generator).</summary>
    /// <param name="architecture"><c>bmshj2018-factorized</c>, <c>bmshj2018-hyperprior</c> or <c>mbt2018-mean</c>.</param>
    /// <param name="n">N, the channels of the inner layers.</param>
    /// <param name="m">M, the channels of the latent y.</param>
    /// <returns>The model, in training mode.</returns>
    /// <exception cref="ArgumentException">The architecture is not an image architecture (tfc-mnist has its own <see cref="TfcMnistModel"/>).</exception>
    public static ImageCompressionModel Create(ModelArchitectureKind architecture, int n, int m) =>
        Enum.IsDefined(architecture) && Modules.TryGetValue(ModelArchitecture.Get(architecture).Identifier, out var module)
            ? module.Create?.Invoke(n, m) ?? throw new ArgumentException($"{architecture} has no fresh module: train its context model with ChannelContextModel (nic-torch train entropy) on a mean-scale family", nameof(architecture))
            : throw new ArgumentException($"{architecture} is not an image architecture; use TfcMnistModel for tfc-mnist", nameof(architecture));

    /// <summary>The model a file describes (parameters and frozen tables), for fine-tuning or inference.</summary>
    /// <param name="file">A loaded model file of an image architecture.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The file holds tfc-mnist (see <see cref="TfcMnistModel.FromModelFile"/>).</exception>
    public static ImageCompressionModel FromModelFile(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Modules.TryGetValue(file.Architecture.Identifier, out var module)
            ? module.FromFile(file)
            : throw new ArgumentException($"{file.Architecture} is not an image architecture; use TfcMnistModel.FromModelFile", nameof(file));
    }

    /// <summary>
    /// The model a PyTorch state dict describes, e.g. one written by <c>safetensors.torch.save_file(model.state_dict(), path)</c>
    /// for a CompressAI <c>FactorizedPrior</c>, <c>ScaleHyperprior</c> or <c>MeanScaleHyperprior</c>, or for any module
    /// with exactly their state-dict names. N and M come from the shapes of <c>g_a.0.weight</c> [N, 3, 5, 5] and
    /// <c>g_a.6.weight</c> [M, N, 5, 5]; every parameter of spec/nic-model.md §4 must be present as F32 or F16 (widened
    /// exactly) with its exact shape and finite values. Besides the parameters, only CompressAI's buffers are accepted:
    /// the table tensors (<c>_quantized_cdf</c>, <c>_offset</c>, <c>_cdf_length</c>, empty or not), <c>entropy_bottleneck.target</c>,
    /// <c>entropy_bottleneck._medians</c> and the constants of §4.7 (the GDN constants must equal Nic's). They are ignored:
    /// the entropy bottleneck's tables are rebuilt from the imported density and quantiles. A
    /// <c>gaussian_conditional.scale_table</c>, when present and not empty, becomes the scale table (the Gaussian tables
    /// are built from its binary32 values); otherwise the default 64 scales are used. <c>__metadata__</c> is ignored.
    /// </summary>
    /// <param name="stateDict">The bytes of the safetensors file.</param>
    /// <param name="architecture"><c>bmshj2018-factorized</c>, <c>bmshj2018-hyperprior</c> or <c>mbt2018-mean</c>.</param>
    /// <returns>The model, its tables built, in evaluation mode: ready for <see cref="ImageCompressionModel.Export(string, double, string?, int, string?, ParameterPrecision)"/>.</returns>
    /// <exception cref="ArgumentException">The architecture is not an image architecture.</exception>
    /// <exception cref="Nic.Codec.NicCodecException">
    /// <see cref="Nic.Codec.NicCodecError.ModelFileCorrupt"/> for a file that is not safetensors (spec/nic-model.md §2.3),
    /// a value that is not finite, a scale table that is not positive and strictly rising, or quantiles too far apart to
    /// build tables; <see cref="Nic.Codec.NicCodecError.ModelArchitectureMismatch"/> for a tensor that is missing,
    /// unexpected, of the wrong shape or of the wrong element type (I32 for a parameter), or a GDN constant that differs.
    /// The message names the tensor.
    /// </exception>
    public static ImageCompressionModel FromStateDict(ReadOnlyMemory<byte> stateDict, ModelArchitectureKind architecture)
    {
        StateDict parsed = StateDict.Parse(stateDict, architecture);
        ImageCompressionModel model = Create(architecture, parsed.N, parsed.M);
        try
        {
            model.LoadStateDict(parsed);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model a state dict file describes; see <see cref="FromStateDict(ReadOnlyMemory{byte}, ModelArchitectureKind)"/>.</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="architecture"><c>bmshj2018-factorized</c>, <c>bmshj2018-hyperprior</c> or <c>mbt2018-mean</c>.</param>
    /// <param name="maxLength">The largest file accepted; negative for <see cref="NicModelFile.DefaultMaxFileLength"/>.</param>
    /// <returns>The model, its tables built, in evaluation mode.</returns>
    /// <exception cref="ArgumentException">The path is empty or the architecture is not an image architecture.</exception>
    /// <exception cref="Nic.Codec.NicCodecException">
    /// <see cref="Nic.Codec.NicCodecError.ModelNotFound"/> when there is no such file; otherwise as
    /// <see cref="FromStateDict(ReadOnlyMemory{byte}, ModelArchitectureKind)"/>.
    /// </exception>
    public static ImageCompressionModel FromStateDict(string path, ModelArchitectureKind architecture, long maxLength = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        StateDict.CheckArchitecture(architecture);
        return FromStateDict(SafetensorsReader.ReadFile(path, maxLength < 0 ? NicModelFile.DefaultMaxFileLength : maxLength), architecture);
    }
}
