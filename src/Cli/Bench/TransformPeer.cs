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
    private FeatureMap? _yHat;

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

    /// <summary>g_a and h_a of the whole padded image; keeps round(y) for <see cref="Decode"/>.</summary>
    public void Encode()
    {
        FeatureMap y = _backend.Analyze(_planes);
        _backend.HyperAnalyze(y);
        var yHat = new FeatureMap(y.Channels, y.Height, y.Width);
        for (int i = 0; i < y.Data.Length; i++)
        {
            yHat.Data[i] = MathF.Round(y.Data[i]);
        }

        _yHat = yHat;
    }

    /// <summary>g_s of the whole of round(y) (the peer's own latent: the same work as Nic's ŷ).</summary>
    /// <returns>The reconstruction's PSNR against the image (dB): a check that the peer runs the model.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Encode"/> has not run.</exception>
    public double Decode()
    {
        FeatureMap x = _backend.Synthesize(_yHat ?? throw new InvalidOperationException("the peer decodes what it encoded: run Encode first"));
        double sum = 0;
        for (int c = 0; c < 3; c++)
        {
            for (int row = 0; row < _image.Height; row++)
            {
                for (int column = 0; column < _image.Width; column++)
                {
                    double difference = (ImagePlanes.ToSample(x[c, row, column]) - (_planes[c, row, column] * 255.0)) / 255.0;
                    sum += difference * difference;
                }
            }
        }

        return ImageQuality.PsnrFromMse(sum / (3.0 * _image.PixelCount) * 255.0 * 255.0);
    }

    public void Dispose() => (_backend as IDisposable)?.Dispose();
}
