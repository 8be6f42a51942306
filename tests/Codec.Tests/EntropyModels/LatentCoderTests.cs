using Nic.Codec.EntropyModels;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Tests.Inference;

namespace Nic.Codec.Tests.EntropyModels;

public class LatentCoderTests
{
    private static readonly Lazy<NicModelFile> Hyperprior = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 16, 24, seed: 11));
    private static readonly Lazy<NicModelFile> MeanScale = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 16, 24, seed: 12));

    [Fact]
    public void TheBottleneckRoundTripsToTheEncodersReconstruction()
    {
        EntropyBottleneckCoder coder = EntropyBottleneckCoder.FromModel(Hyperprior.Value);
        FeatureMap z = Scaled(LayerTests.RandomMap(new Random(1), 16, 3, 5), 6);
        byte[] stream = coder.Compress(z, out FeatureMap zHat);
        FeatureMap decoded = coder.Decompress(stream, 3, 5);
        Assert.Equal(zHat.Data, decoded.Data);
        ReadOnlySpan<float> medians = Hyperprior.Value.EntropyBottleneckMedians.Span;
        for (int i = 0; i < z.Data.Length; i++)
        {
            float median = medians[i / z.PlaneSize];
            Assert.Equal(MathF.Round(z.Data[i] - median, MidpointRounding.ToEven) + median, zHat.Data[i]);
        }

        double ideal = coder.InformationBits(z);
        Assert.InRange(stream.Length * 8.0, ideal, ideal + 64 + 32);
    }

    [Theory]
    [InlineData(2.5f, 2)]
    [InlineData(3.5f, 4)]
    [InlineData(-2.5f, -2)]
    [InlineData(-0.5f, 0)]
    [InlineData(0.49999997f, 0)]
    public void LatentsRoundHalfToEven(float x, int expected)
    {
        Assert.Equal(expected, LatentQuantizer.Quantize(x, 0f, 0));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(3e9f)]
    [InlineData(-3e9f)]
    public void UncodableLatentsAreRefused(float x)
    {
        EntropyBottleneckCoder coder = EntropyBottleneckCoder.FromModel(Hyperprior.Value);
        FeatureMap z = new(16, 1, 1);
        z.Data[7] = x;
        Assert.Throws<ArgumentException>(() => coder.Compress(z, out _));
    }

    [Theory]
    [InlineData(ModelArchitectureKind.Bmshj2018Hyperprior)]
    [InlineData(ModelArchitectureKind.Mbt2018Mean)]
    public void AnImageRoundTripsThroughBothLatentsBandByBand(ModelArchitectureKind kind)
    {
        NicModelFile file = kind == ModelArchitectureKind.Mbt2018Mean ? MeanScale.Value : Hyperprior.Value;
        ManagedModel model = ManagedModel.Create(file, 2);
        FeatureMap image = LayerTests.RandomMap(new Random(2), 3, 128, 64); // a multiple of 64, as the padding rule makes it
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = image.Data[i] * 0.5f + 0.5f;
        }

        // Encoder: y, z, ẑ, the entropy parameters from ẑ, then y in bands of 3 rows.
        FeatureMap y = model.Analyze(image);
        EntropyBottleneckCoder bottleneck = EntropyBottleneckCoder.FromModel(file);
        byte[] zStream = bottleneck.Compress(model.HyperAnalyze(y), out FeatureMap zHat);
        EntropyParameters encoderParameters = model.HyperSynthesize(zHat);
        var conditional = GaussianConditionalCoder.FromModel(file);
        var yHat = new FeatureMap(y.Channels, y.Height, y.Width);
        var bands = new List<byte[]>();
        for (int first = 0; first < y.Height; first += 3)
        {
            bands.Add(conditional.CompressRows(y, encoderParameters, first, Math.Min(3, y.Height - first), yHat));
        }

        // Decoder: only the streams and the model.
        FeatureMap decodedZ = bottleneck.Decompress(zStream, zHat.Height, zHat.Width);
        EntropyParameters decoderParameters = ManagedModel.Create(file, 1).HyperSynthesize(decodedZ);
        var decodedY = new FeatureMap(y.Channels, y.Height, y.Width);
        for (int b = 0; b < bands.Count; b++)
        {
            conditional.DecompressRows(bands[b], decoderParameters, 3 * b, Math.Min(3, y.Height - 3 * b), decodedY);
        }

        Assert.Equal(yHat.Data, decodedY.Data);
        if (kind == ModelArchitectureKind.Mbt2018Mean)
        {
            Assert.Contains(yHat.Data, v => v != MathF.Round(v));
        }
        else
        {
            Assert.All(yHat.Data, v => Assert.Equal(MathF.Round(v), v));
        }

        byte[] damaged = (byte[])bands[0].Clone();
        damaged[^1] ^= 0x40;
        Assert.Throws<NicCodecException>(() => conditional.DecompressRows(damaged, decoderParameters, 0, 3, new FeatureMap(y.Channels, y.Height, y.Width)));
    }

    [Fact]
    public void ModelsWithoutTheEntropyModelSaySo()
    {
        NicModelFile factorized = ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Factorized, 8, 12, seed: 1);
        Assert.Throws<InvalidOperationException>(() => GaussianConditionalCoder.FromModel(factorized));
        Assert.Equal(12, EntropyBottleneckCoder.FromModel(factorized).Channels);
        Assert.Throws<ArgumentException>(() => new GaussianConditionalCoder(Hyperprior.Value.GaussianConditionalTables!, [.. Enumerable.Range(1, 64).Select(i => 65f - i)]));
    }

    private static FeatureMap Scaled(FeatureMap map, float factor)
    {
        for (int i = 0; i < map.Data.Length; i++)
        {
            map.Data[i] *= factor;
        }

        return map;
    }
}
