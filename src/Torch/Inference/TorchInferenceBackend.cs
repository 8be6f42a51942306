using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// An <see cref="IInferenceBackend"/> that runs g_a, h_a and g_s of a model file as TorchSharp modules
/// (<see cref="ImageModels.FromModelFile"/>, <see cref="TfcMnistModel.FromModelFile"/>) on a torch device, in evaluation
/// mode and without gradients. Like every backend it leaves h_s to the managed engine, so the entropy path stays
/// bit-exact; its own results may differ from <see cref="ManagedModel"/>'s by float rounding (the latents g_a gives, and
/// the reconstruction).
/// </summary>
/// <remarks>
/// Thread-safe: calls on one instance are serialized. For tfc-mnist the latent is an L × 1 × 1 map and g_s synthesizes
/// whole digits only (<see cref="SynthesisFactor"/> 0). Dispose the backend to release the module's tensors.
/// </remarks>
public sealed class TorchInferenceBackend : IInferenceBackend, IDisposable
{
    private readonly Lock _lock = new();
    private readonly ImageCompressionModel? _imageModel;
    private readonly TfcMnistModel? _mnistModel;
    private readonly nn.Module _module;
    private bool _disposed;

    /// <summary>Builds the modules of <paramref name="file"/> on <paramref name="device"/>.</summary>
    /// <param name="file">A loaded model file of any architecture.</param>
    /// <param name="device">The device the modules run on; the CPU when null.</param>
    public TorchInferenceBackend(NicModelFile file, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        File = file;
        Device = device ?? CPU;
        if (file.Architecture.Geometry is not { } geometry)
        {
            _mnistModel = TfcMnistModel.FromModelFile(file);
            _mnistModel.to(Device);
            _mnistModel.eval();
            _module = _mnistModel;
            OutputChannels = 1;
        }
        else
        {
            _imageModel = ImageModels.FromModelFile(file);
            _imageModel.to(Device);
            _imageModel.eval();
            _module = _imageModel;
            OutputChannels = 3;
            SynthesisFactor = geometry.LatentFactor;
            SynthesisHalo = geometry.SynthesisHalo;
        }

        Name = "torch:" + Device.type.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// The halo of the image models' g_s in latent rows: four transposed convolutions with kernel 5 grow a cut edge's
    /// wrong margin 0 → 2 → 6 → 14 → 30 output rows, ⌈30 / 16⌉ = 2 latent rows (spec/nic-model.md §10.1). The backend
    /// reads the halo of the model's own architecture (<see cref="ModelGeometry.SynthesisHalo"/>) instead.
    /// </summary>
    [Obsolete("Read the architecture's ModelArchitecture.Geometry.SynthesisHalo, which is derived from its layers.")]
    public const int ImageSynthesisHalo = 2;

    /// <summary>"torch:" and the device type, e.g. <c>torch:cpu</c> or <c>torch:cuda</c>.</summary>
    public string Name { get; }

    /// <summary>The device the modules run on.</summary>
    public Device Device { get; }

    /// <summary>The model file the networks come from.</summary>
    public NicModelFile File { get; }

    /// <summary>The architecture's latent factor (<see cref="ModelGeometry.LatentFactor"/>, 16 for the image models); 0 without an image latent (tfc-mnist synthesizes whole digits only).</summary>
    public int SynthesisFactor { get; }

    /// <summary>The latent rows added above and below a band (<see cref="ModelGeometry.SynthesisHalo"/>, 2 for the image models); 0 for tfc-mnist.</summary>
    public int SynthesisHalo { get; }

    /// <summary>The channels g_s produces: 3 for the image models, 1 for tfc-mnist.</summary>
    public int OutputChannels { get; }

    /// <summary>g_a: the image (channels × height × width, values in [0, 1]) to the latent y.</summary>
    /// <exception cref="ArgumentException">The image does not have the model's input channels (3, or 1 × 28 × 28 for tfc-mnist).</exception>
    public FeatureMap Analyze(FeatureMap image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_mnistModel is not null)
        {
            if (image.Channels != 1 || image.Height != TfcMnistModel.Side || image.Width != TfcMnistModel.Side)
            {
                throw new ArgumentException($"tfc-mnist analyzes 1×{TfcMnistModel.Side}×{TfcMnistModel.Side} digits, not {Describe(image)}", nameof(image));
            }

            return Run(image, x => _mnistModel.Analyze(x).reshape(1, -1, 1, 1));
        }

        if (image.Channels != 3)
        {
            throw new ArgumentException($"g_a takes 3-channel images, not {Describe(image)}", nameof(image));
        }

        return Run(image, _imageModel!.Analyze);
    }

    /// <summary>h_a: the latent y to the hyper-latent z (the scale hyperprior applies it to |y|).</summary>
    /// <exception cref="InvalidOperationException">The model has no hyperprior.</exception>
    /// <exception cref="ArgumentException">The latent does not have M channels.</exception>
    public FeatureMap HyperAnalyze(FeatureMap y)
    {
        if (_imageModel is not { HasHyperprior: true })
        {
            throw new InvalidOperationException($"{File.Architecture} has no hyperprior");
        }

        ArgumentNullException.ThrowIfNull(y);
        CheckLatent(y);
        return Run(y, _imageModel.HyperAnalyze);
    }

    /// <summary>g_s on the whole latent: the reconstruction, before clamping and cropping.</summary>
    /// <exception cref="ArgumentException">The latent does not fit the model (M channels, or L elements for tfc-mnist).</exception>
    public FeatureMap Synthesize(FeatureMap yHat)
    {
        ArgumentNullException.ThrowIfNull(yHat);
        if (_mnistModel is not null)
        {
            if (yHat.Data.Length != _mnistModel.LatentDimensions)
            {
                throw new ArgumentException($"tfc-mnist synthesizes from {_mnistModel.LatentDimensions} latent values, not {Describe(yHat)}", nameof(yHat));
            }

            return Run(yHat, y => _mnistModel.Synthesize(y.reshape(1, -1)));
        }

        CheckLatent(yHat);
        return Run(yHat, _imageModel!.Synthesize);
    }

    /// <summary>
    /// g_s for the latent rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// only, into <paramref name="destination"/> (3 × 16·rowCount × 16·width): g_s runs on those rows and
    /// <see cref="SynthesisHalo"/> more above and below (clipped to the latent), and the rows the band owns are copied.
    /// They equal the same rows of <see cref="Synthesize"/> up to the float rounding of the device's convolutions.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model cannot synthesize by rows (tfc-mnist).</exception>
    /// <exception cref="ArgumentException">The latent or the destination has the wrong shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rows are not within the latent.</exception>
    public void SynthesizeRows(FeatureMap yHat, int firstRow, int rowCount, FeatureMap destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        SynthesisBand.Check(this, yHat, firstRow, rowCount, destination);
        CheckLatent(yHat);
        (int start, int count) = SynthesisBand.Window(this, yHat.Height, firstRow, rowCount);
        FeatureMap output = Run(yHat.SliceRows(start, count), _imageModel!.Synthesize);
        SynthesisBand.CopyOwnedRows(this, output, start, firstRow, destination);
    }

    /// <summary>Releases the module's tensors; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _module.Dispose();
            }
        }
    }

    /// <summary>Runs <paramref name="network"/> on <paramref name="input"/> as a batch of one, under the lock, without gradients.</summary>
    private FeatureMap Run(FeatureMap input, Func<Tensor, Tensor> network)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor x = tensor(input.Data, [1, input.Channels, input.Height, input.Width]).to(Device);
            Tensor result = network(x);
            if (result.dim() != 4 || result.shape[0] != 1)
            {
                throw new InvalidOperationException($"the network returned {TensorData.Shape(result)}, not (1, C, H, W)");
            }

            float[] data = TensorData.ToArray<float>(result.to_type(ScalarType.Float32));
            return new FeatureMap((int)result.shape[1], (int)result.shape[2], (int)result.shape[3], data);
        }
    }

    private void CheckLatent(FeatureMap latent)
    {
        int channels = _imageModel!.M;
        if (latent.Channels != channels)
        {
            throw new ArgumentException($"the latent must have {channels} channels, not {Describe(latent)}", nameof(latent));
        }
    }

    private static string Describe(FeatureMap map) => $"{map.Channels}×{map.Height}×{map.Width}";
}
