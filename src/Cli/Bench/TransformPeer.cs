using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Pipeline;

namespace Nic.Cli.Bench;

/// <summary>
/// The peer of <c>bench codec --peer</c>: another engine's transforms alone, on the whole frame, as PyTorch code such as
/// CompressAI runs them — g_a and h_a for an encode, g_s for a decode — with no entropy coding, no h_s and no bands. Nic's
/// encode and decode are whole (entropy path, h_s and all), so Nic's time over the peer's is, if anything, too high.
/// </summary>
internal sealed class TransformPeer : IDisposable
{
    private readonly IInferenceBackend _backend;
    private readonly FeatureMap _planes;
    private readonly RgbImage _image;
    private FeatureMap? _y;
    private FeatureMap? _yHat;
    private FeatureMap? _reconstruction;

    /// <summary>A peer of <paramref name="file"/> on <paramref name="factory"/>'s engine, for <paramref name="image"/>.</summary>
    /// <param name="factory">The peer's engine.</param>
    /// <param name="file">The model.</param>
    /// <param name="hasHyperprior">Whether the model has h_a (<see cref="ManagedModel.HasHyperprior"/>).</param>
    /// <param name="image">The image.</param>
    /// <exception cref="ArgumentException">The model is not an image model with a hyperprior (the peer times g_a, h_a and g_s).</exception>
    public TransformPeer(IInferenceBackendFactory factory, NicModelFile file, bool hasHyperprior, RgbImage image)
    {
        if (file.Architecture.Geometry is not { } geometry || !hasHyperprior)
        {
            throw new ArgumentException($"--peer times g_a, h_a and g_s of an image model with a hyperprior; {file.Name} is not one");
        }

        _backend = factory.Create(file);
        _image = image;
        int width = ImagePlanes.Align(image.Width, geometry.Alignment), height = ImagePlanes.Align(image.Height, geometry.Alignment);
        _planes = ImagePlanes.ToPlanes(image, width, 0, height);
    }

    /// <summary>The engine's name ("torch:cpu", …).</summary>
    public string Backend => _backend.Name;

    /// <summary>g_a and h_a of the whole padded image; keeps y for <see cref="Decode"/>.</summary>
    public void Encode()
    {
        _y = _backend.Analyze(_planes);
        _backend.HyperAnalyze(_y);
    }

    /// <summary>
    /// g_s of the whole of round(y), the peer's own latent (the same work as Nic's ŷ). round(y) is made by the first call,
    /// the benchmark's untimed warm-up, and the reconstruction is kept for <see cref="PsnrDb"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Encode"/> has not run.</exception>
    public void Decode()
    {
        if (_yHat is null)
        {
            FeatureMap y = _y ?? throw new InvalidOperationException("the peer decodes what it encoded: run Encode first");
            _yHat = new FeatureMap(y.Channels, y.Height, y.Width);
            for (int i = 0; i < y.Data.Length; i++)
            {
                _yHat.Data[i] = MathF.Round(y.Data[i]);
            }
        }

        _reconstruction = _backend.Synthesize(_yHat);
    }

    /// <summary>The last reconstruction's PSNR against the image (dB), outside the timings: a check that the peer runs the model.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Decode"/> has not run.</exception>
    public double PsnrDb()
    {
        FeatureMap x = _reconstruction ?? throw new InvalidOperationException("run Decode first");
        var decoded = new RgbImage(_image.Width, _image.Height);
        ImagePlanes.ToPixels(x, 0, _image.Height, _image.Width, decoded.Pixels);
        return ImageQuality.Psnr(_image, decoded);
    }

    public void Dispose() => (_backend as IDisposable)?.Dispose();
}
