using System.Security.Cryptography;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Inference;

[Collection(nameof(VectorWidthCollection))]
public class ManagedModelTests
{
    private static readonly Lazy<NicModelFile> SmallHyperprior = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 16, 24, seed: 3));
    private static readonly Lazy<NicModelFile> SmallMeanScale = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 16, 24, seed: 4));

    [Fact]
    public void ImageModelsHaveTheDocumentedShapes()
    {
        ManagedModel model = ManagedModel.Create(SmallHyperprior.Value);
        FeatureMap image = LayerTests.RandomMap(new Random(1), 3, 128, 80);
        FeatureMap y = model.Analyze(image);
        Assert.Equal((24, 8, 5), (y.Channels, y.Height, y.Width));
        FeatureMap z = model.HyperAnalyze(y);
        Assert.Equal((16, 2, 2), (z.Channels, z.Height, z.Width));
        EntropyParameters parameters = model.HyperSynthesize(z);
        Assert.Equal((24, 8, 8), (parameters.Scales.Channels, parameters.Scales.Height, parameters.Scales.Width));
        Assert.Null(parameters.Means);
        Assert.All(parameters.Scales.Data, s => Assert.True(s >= 0));
        FeatureMap x = model.Synthesize(y);
        Assert.Equal((3, 128, 80), (x.Channels, x.Height, x.Width));
        Assert.Equal((16, 2), (model.SynthesisFactor, model.SynthesisHalo));
    }

    [Fact]
    public void TheMeanScaleModelSplitsScalesAndMeans()
    {
        ManagedModel model = ManagedModel.Create(SmallMeanScale.Value);
        FeatureMap z = LayerTests.RandomMap(new Random(2), 16, 2, 3);
        EntropyParameters parameters = model.HyperSynthesize(z);
        Assert.NotNull(parameters.Means);
        Assert.Equal((24, 8, 12), (parameters.Means.Channels, parameters.Means.Height, parameters.Means.Width));
        Assert.Equal((24, 8, 12), (parameters.Scales.Channels, parameters.Scales.Height, parameters.Scales.Width));
        Assert.Contains(parameters.Means.Data, m => m < 0);
    }

    [Fact]
    public void TheMnistModelMapsDigitsToFiftyLatentsAndBack()
    {
        ManagedModel model = ManagedModel.Create(ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 50, seed: 5));
        FeatureMap digit = new(1, 28, 28, [.. Enumerable.Range(0, 784).Select(i => i % 29 / 28f)]);
        FeatureMap y = model.Analyze(digit);
        Assert.Equal((50, 1, 1), (y.Channels, y.Height, y.Width));
        FeatureMap x = model.Synthesize(y);
        Assert.Equal((1, 28, 28), (x.Channels, x.Height, x.Width));
        Assert.False(model.HasHyperprior);
        Assert.Throws<InvalidOperationException>(() => model.SynthesizeRows(y, 0, 1));
    }

    [Theory]
    [InlineData(1, ManagedArithmetic.Reference)]
    [InlineData(2, ManagedArithmetic.Reference)]
    [InlineData(3, ManagedArithmetic.Reference)]
    [InlineData(5, ManagedArithmetic.Reference)]
    [InlineData(1, ManagedArithmetic.Winograd)]
    [InlineData(3, ManagedArithmetic.Winograd)]
    [InlineData(5, ManagedArithmetic.Winograd)]
    public void BandedSynthesisEqualsTheFullFrameBitForBit(int bandRows, ManagedArithmetic arithmetic)
    {
        // In the Winograd arithmetic the windows take 5 latent rows on each side and start on even rows (SynthesisStream.Reach).
        ManagedModel model = ManagedModel.Create(SmallHyperprior.Value, parallelism: 2, arithmetic);
        FeatureMap yHat = LayerTests.RandomMap(new Random(bandRows), 24, 17, 6);
        for (int i = 0; i < yHat.Data.Length; i++)
        {
            yHat.Data[i] = MathF.Round(yHat.Data[i] * 4);
        }

        FeatureMap full = model.Synthesize(yHat);
        var reused = new FeatureMap(3, bandRows * 16, 6 * 16);
        for (int first = 0; first < yHat.Height; first += bandRows)
        {
            int rows = Math.Min(bandRows, yHat.Height - first);
            FeatureMap band = model.SynthesizeRows(yHat, first, rows);
            FeatureMap expected = full.SliceRows(first * 16, rows * 16);
            Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), band.Data.Select(BitConverter.SingleToInt32Bits));

            // The same band into a buffer reused from the previous band (full bands only: its size is fixed).
            if (rows == bandRows)
            {
                model.SynthesizeRows(yHat, first, rows, reused);
                Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), reused.Data.Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Throws<ArgumentException>(() => model.SynthesizeRows(yHat, 0, 1, new FeatureMap(3, 15, 96)));
    }

    [Theory]
    [InlineData(1, 1, ManagedArithmetic.Reference, SynthesisStream.DefaultChunkBytes, 6, 1)]
    [InlineData(2, 3, ManagedArithmetic.Reference, 1, 6, 1)]
    [InlineData(3, 2, ManagedArithmetic.Fused, SynthesisStream.DefaultChunkBytes, 6, 1)]
    [InlineData(8, 8, ManagedArithmetic.Reference, 20_000, 6, 1)]
    [InlineData(11, 4, ManagedArithmetic.Fused, 1, 6, 1)]
    [InlineData(3, 2, ManagedArithmetic.Fused, SynthesisStream.DefaultChunkBytes, 65, 2)] // stripes of 32 and 33 latent columns
    [InlineData(2, 3, ManagedArithmetic.Reference, 20_000, 100, 3)] // 33, 33 and 34
    [InlineData(11, 4, ManagedArithmetic.Fused, 1, 97, 3)]
    [InlineData(3, 3, ManagedArithmetic.Fused, SynthesisStream.DefaultChunkBytes, 40, 4)] // asks for 4, cut into 2 (40 < 3 × 16)
    [InlineData(3, 3, ManagedArithmetic.Fused, SynthesisStream.DefaultChunkBytes, 24, 4)] // asks for 4, cut into 1 (24 < 2 × 16)
    [InlineData(2, 3, ManagedArithmetic.Reference, 1, 33, 2)] // 16 and 17, the narrowest stripes
    [InlineData(1, 1, ManagedArithmetic.Winograd, SynthesisStream.DefaultChunkBytes, 6, 1)]
    [InlineData(3, 2, ManagedArithmetic.Winograd, 1, 6, 1)]
    [InlineData(3, 2, ManagedArithmetic.Winograd, SynthesisStream.DefaultChunkBytes, 65, 2)] // windows from latent columns 0 and 26 (32 − 5, down to even)
    [InlineData(2, 3, ManagedArithmetic.Winograd, 20_000, 100, 3)]
    [InlineData(11, 4, ManagedArithmetic.Winograd, 1, 97, 3)] // stripes from 0, 32 and 64: windows from 0, 26 and 58
    [InlineData(2, 3, ManagedArithmetic.Winograd, 1, 33, 2)] // 16 and 17
    [InlineData(1, 5, ManagedArithmetic.Winograd, 20_000, 51, 3)] // 17, 17 and 17: windows from 0, 12 and 28 (odd owned starts)
    public void StreamedSynthesisEqualsTheFullFrameBitForBit(int codedBandRows, int runRows, ManagedArithmetic arithmetic, long chunkBytes, int width, int stripes)
    {
        // The halo (and in the Winograd arithmetic, with g_s.2, g_s.4 and g_s.6 by tiles, the windows' alignment) g_s's layers need.
        ManagedModel model = ManagedModel.Create(SmallHyperprior.Value, parallelism: 2, arithmetic);
        Assert.Equal(arithmetic == ManagedArithmetic.Winograd ? (5, 2) : (2, 1), (model.SynthesisHalo, model.SynthesisAlignment));

        // Latent rows arrive band by band; each run of output rows is asked for once the halo's rows below it
        // have arrived, as the decoder does (DecodePlan.RunsAfterBand), and every row is computed once. Vertical stripes
        // (each computing the halo's columns beyond its own) give the same bits as one.
        FeatureMap yHat = LayerTests.RandomMap(new Random(codedBandRows + width), 24, 11, width);
        for (int i = 0; i < yHat.Data.Length; i++)
        {
            yHat.Data[i] = MathF.Round(yHat.Data[i] * 4);
        }

        FeatureMap full = model.Synthesize(yHat);
        var arriving = new FeatureMap(yHat.Channels, yHat.Height, yHat.Width);
        // Chunks of one row (1 byte), of a few rows (20 000 bytes) and whole runs (the default) give the same rows.
        SynthesisStream stream = model.OpenSynthesisStream(arriving, chunkBytes, stripes)!;
        Assert.Equal(Math.Min(stripes, Math.Max(1, width / ColumnStripes.MinColumns)), stream.Stripes);
        int synthesized = 0;
        for (int end = codedBandRows; synthesized < yHat.Height; end += codedBandRows)
        {
            end = Math.Min(end, yHat.Height);
            for (int c = 0; c < yHat.Channels; c++)
            {
                yHat.Plane(c)[..(end * yHat.Width)].CopyTo(arriving.Plane(c));
            }

            int ready = end == yHat.Height ? end : end - model.SynthesisHalo;
            for (; synthesized + 1 <= ready; synthesized += Math.Min(runRows, ready - synthesized))
            {
                int rows = Math.Min(runRows, ready - synthesized);
                var band = new FeatureMap(3, rows * 16, yHat.Width * 16);
                model.SynthesizeRows(stream, synthesized, rows, end, band, CancellationToken.None);
                Assert.Equal(full.SliceRows(synthesized * 16, rows * 16).Data.Select(BitConverter.SingleToInt32Bits), band.Data.Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Equal(yHat.Height, synthesized);
        Assert.Throws<InvalidOperationException>(() => model.SynthesizeRows(model.OpenSynthesisStream(yHat)!, 1, 1, yHat.Height, new FeatureMap(3, 16, 96), CancellationToken.None));
        Assert.Throws<InvalidOperationException>(() => model.SynthesizeRows(model.OpenSynthesisStream(yHat)!, 0, 2, 2, new FeatureMap(3, 32, 96), CancellationToken.None));
        Assert.Null(ManagedModel.Create(ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 50, seed: 5)).OpenSynthesisStream(new FeatureMap(50, 1, 1)));
    }

    [Fact]
    public void HyperSynthesisIsTheScalarReferenceForAnyThreadsAndVectorWidth()
    {
        NicModelFile file = SmallHyperprior.Value;
        FeatureMap zHat = LayerTests.RandomMap(new Random(8), 16, 3, 5);
        FeatureMap expected = ReferenceHyperSynthesis(file, zHat);
        LayerTests.AssertForEveryEngineSetting(expected, threads => ManagedModel.Create(file, threads).HyperSynthesize(zHat).Scales);
    }

    [Theory]
    [InlineData(ManagedArithmetic.Fused, "managed-fused")]
    [InlineData(ManagedArithmetic.Winograd, "managed-winograd")]
    public void TheFasterArithmeticsLeaveHyperSynthesisInTheReferenceArithmetic(ManagedArithmetic arithmetic, string name)
    {
        // spec/nic-model.md §10.2: h_s decides the tables, so it never takes the fused or the Winograd arithmetic.
        foreach (NicModelFile file in new[] { SmallHyperprior.Value, SmallMeanScale.Value })
        {
            FeatureMap zHat = LayerTests.RandomMap(new Random(9), 16, 3, 5);
            EntropyParameters reference = ManagedModel.Create(file, 2).HyperSynthesize(zHat);
            ManagedModel fast = ManagedModel.Create(file, 2, arithmetic);
            Assert.Equal(arithmetic, fast.Arithmetic);
            Assert.Equal(name, fast.Name);
            LayerTests.AssertForEveryEngineSetting(reference.Scales, threads => ManagedModel.Create(file, threads, arithmetic).HyperSynthesize(zHat).Scales);
            if (reference.Means is not null)
            {
                Assert.Equal(reference.Means.Data.Select(BitConverter.SingleToInt32Bits), fast.HyperSynthesize(zHat).Means!.Data.Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Equal(ManagedArithmetic.Reference, ManagedModel.Create(SmallHyperprior.Value).Arithmetic);
        Assert.Throws<ArgumentOutOfRangeException>(() => ManagedModel.Create(SmallHyperprior.Value, 1, (ManagedArithmetic)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ManagedBackendFactory { Arithmetic = (ManagedArithmetic)7 });
    }

    [Fact]
    public void FusedSynthesisIsTheSameForAnyThreadsWidthAndBandAndWithinRoundingOfTheReference()
    {
        NicModelFile file = SmallHyperprior.Value;
        FeatureMap yHat = LayerTests.RandomMap(new Random(12), 24, 7, 5);
        for (int i = 0; i < yHat.Data.Length; i++)
        {
            yHat.Data[i] = MathF.Round(yHat.Data[i] * 4);
        }

        FeatureMap full = ManagedModel.Create(file, 1, ManagedArithmetic.Fused).Synthesize(yHat);
        LayerTests.AssertForEveryEngineSetting(full, threads => ManagedModel.Create(file, threads, ManagedArithmetic.Fused).Synthesize(yHat));
        ManagedModel model = ManagedModel.Create(file, 2, ManagedArithmetic.Fused);
        for (int first = 0; first < yHat.Height; first += 3)
        {
            int rows = Math.Min(3, yHat.Height - first);
            Assert.Equal(full.SliceRows(first * 16, rows * 16).Data.Select(BitConverter.SingleToInt32Bits), model.SynthesizeRows(yHat, first, rows).Data.Select(BitConverter.SingleToInt32Bits));
        }

        FeatureMap reference = ManagedModel.Create(file, 1).Synthesize(yHat);
        Assert.Contains(Enumerable.Range(0, full.Data.Length), i => full.Data[i] != reference.Data[i]);
        float scale = reference.Data.Max(Math.Abs), difference = Enumerable.Range(0, full.Data.Length).Max(i => Math.Abs(full.Data[i] - reference.Data[i]));
        Assert.True(difference <= 1e-5f * scale, $"fused and reference differ by {difference} at a scale of {scale}");
    }

    /// <summary>
    /// The entropy path's cross-machine check: h_s-shaped layers with weights and input that are exact binary32 values
    /// (multiples of 2^-10) must give these exact output bits on every machine, vector width and thread count.
    /// </summary>
    [Fact]
    public void HyperSynthesisBitsAreTheSameOnEveryMachine()
    {
        var random = new Random(20261122);
        float[] Exact(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(-512, 512) / 1024f)];
        var layers = new SequentialLayers(
        [
            new ConvTranspose2dLayer(8, 8, 5, Exact(8 * 8 * 25), Exact(8)), ActivationLayer.Relu,
            new ConvTranspose2dLayer(8, 12, 5, Exact(8 * 12 * 25), Exact(12)), new ActivationLayer(0.01f),
            new Conv2dLayer(12, 12, 3, 1, Exact(12 * 12 * 9), Exact(12)), ActivationLayer.Relu,
        ]);
        FeatureMap zHat = new(8, 3, 4, Exact(8 * 3 * 4));
        LayerTests.AssertForEveryEngineSetting(layers.Forward(zHat, LayerTests.Context(1)), threads => layers.Forward(zHat, LayerTests.Context(threads)));

        FeatureMap output = layers.Forward(zHat, LayerTests.Context(2));
        byte[] bits = new byte[output.Data.Length * 4];
        Buffer.BlockCopy(output.Data, 0, bits, 0, bits.Length);
        string hash = Convert.ToHexString(SHA256.HashData(bits));
        Assert.True(hash == "A95E40D0E788A1E8D2E8B50D2F901EF29562AFE3378B172E7F7E422C1EA4676D", $"h_s output hash {hash}");
    }

    private static FeatureMap ReferenceHyperSynthesis(NicModelFile file, FeatureMap zHat)
    {
        FeatureMap x = zHat;
        foreach (string name in new[] { "h_s.0", "h_s.2" })
        {
            ModelTensor w = file.GetTensor(name + ".weight");
            x = ScalarReference.ConvTranspose(x, w.Shape[1], 5, w.Float32Data.ToArray(), file.GetFloat32(name + ".bias").ToArray());
            x = Relu(x);
        }

        ModelTensor last = file.GetTensor("h_s.4.weight");
        x = ScalarReference.Conv(x, last.Shape[0], 3, 1, last.Float32Data.ToArray(), file.GetFloat32("h_s.4.bias").ToArray());
        return Relu(x);
    }

    private static FeatureMap Relu(FeatureMap x) =>
        new(x.Channels, x.Height, x.Width, [.. x.Data.Select(v => ScalarReference.Activation(v, 0))]);
}
