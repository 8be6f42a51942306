using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Codec;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>Small random models, synthetic photos and codecs over them.</summary>
internal static class PipelineFixtures
{
    public static readonly Lazy<NicModelFile> MeanScale = new(() => Model(ModelArchitectureKind.Mbt2018Mean, "test-mean-q2", 2, "test-mean", seed: 21));

    public static readonly Lazy<NicModelFile> MeanScaleQ5 = new(() => Model(ModelArchitectureKind.Mbt2018Mean, "test-mean-q5", 5, "test-mean", seed: 22));

    public static readonly Lazy<NicModelFile> MeanScaleQ7 = new(() => Model(ModelArchitectureKind.Mbt2018Mean, "test-mean-q7", 7, "test-mean", seed: 23));

    public static readonly Lazy<NicModelFile> Hyperprior = new(() => Model(ModelArchitectureKind.Bmshj2018Hyperprior, "test-hyperprior", 3, null, seed: 24));

    public static readonly Lazy<NicModelFile> Factorized = new(() => Model(ModelArchitectureKind.Bmshj2018Factorized, "test-factorized", 1, null, seed: 25));

    /// <summary>A random model (N = 8, M = 12) with the given identity.</summary>
    public static NicModelFile Model(ModelArchitectureKind kind, string name, int ratePoint, string? family, int seed) =>
        NicModelFile.Load(ModelBytes(kind, name, ratePoint, family, seed));

    /// <summary>The file of <see cref="Model"/>: the same bytes for the same arguments.</summary>
    public static byte[] ModelBytes(ModelArchitectureKind kind, string name, int ratePoint, string? family, int seed) =>
        ModelFactory.CreateRandom(kind, 8, 12, seed, name, ratePoint, family);

    /// <summary>A catalog of the test models only.</summary>
    public static NicModelCatalog Catalog()
    {
        var catalog = new NicModelCatalog(includeShippedModels: false);
        foreach (Lazy<NicModelFile> model in new[] { MeanScale, MeanScaleQ5, MeanScaleQ7, Hyperprior, Factorized })
        {
            catalog.Add(model.Value);
        }

        return catalog;
    }

    public static NicCodec Codec(int? parallelism = null, int bandRows = 2, string model = "test-mean-q2") =>
        new(Catalog(), new NicCodecOptions { IncludeShippedModels = false, DefaultModel = model, BandRows = bandRows, Parallelism = parallelism });

    /// <summary>A photo-like image: smooth gradients, an edge and some texture, the same for the same arguments.</summary>
    public static RgbImage Photo(int width, int height, int seed = 1)
    {
        var image = new RgbImage(width, height);
        var random = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                double u = (double)x / width, v = (double)y / height;
                int texture = random.Next(-12, 13);
                row[3 * x] = Clamp((220 * u) + (x > width / 2 ? 20 : 0) + texture);
                row[(3 * x) + 1] = Clamp((180 * v) + (40 * Math.Sin(x * 0.3)) + texture);
                row[(3 * x) + 2] = Clamp(255 - (200 * u * v) + texture);
            }
        }

        return image;
    }

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
