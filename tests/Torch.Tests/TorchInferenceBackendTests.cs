using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Torch.Inference;
using Nic.Torch.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class TorchInferenceBackendTests(ITestOutputHelper output)
{
    private const int N = 8;
    private const int M = 12;

    /// <summary>
    /// The most a reconstruction sample may differ between two computations of the same pixels (the TorchSharp and the
    /// managed engine, or a band and the whole frame), as a share of the reconstruction's range. It follows from what a
    /// backend promises (conformance/manifest.json, other_backend_max_absolute_error: within 1 in 8 bits of the
    /// reference): a tenth of an 8-bit step moves a rounded sample by at most one level. It is not one CPU's figure:
    /// libtorch picks other kernels with AVX2 only (there a band of these random models, whose outputs reach ±820,
    /// differs from the frame by up to 4.9e-4, 6e-7 of the range; with AVX-512 by less than 1e-6).
    /// </summary>
    private const float ReconstructionTolerance = 0.1f / 255;

    /// <summary><see cref="ReconstructionTolerance"/> in the units of <paramref name="reference"/>: its range, at least 0–1.</summary>
    private static float ToleranceFor(FeatureMap reference) => ReconstructionTolerance * Math.Max(1f, reference.Data.Max(MathF.Abs));

    /// <summary>
    /// The TorchSharp backend and the managed engine, on the same random model and a fixed smooth 64×128 image, give the
    /// same symbols for y and z (the latents differ only by float rounding, far from the rounding boundaries on this input)
    /// and reconstructions within <see cref="ReconstructionTolerance"/>.
    /// </summary>
    [Theory]
    [MemberData(nameof(ImageModelTests.ImageArchitectures), MemberType = typeof(ImageModelTests))]
    public void MatchesTheManagedEngine(ModelArchitectureKind kind)
    {
        NicModelFile file = ModelFactory.LoadRandom(kind, N, M, seed: 21);
        ManagedModel managed = ManagedModel.Create(file);
        using var torchBackend = new TorchInferenceBackend(file);
        Assert.Equal("torch:cpu", torchBackend.Name);
        Assert.Same(file, torchBackend.File);
        Assert.Equal(managed.SynthesisFactor, torchBackend.SynthesisFactor);
        Assert.Equal(managed.SynthesisHalo, torchBackend.SynthesisHalo);
        Assert.Equal(managed.OutputChannels, torchBackend.OutputChannels);

        FeatureMap image = SmoothImage(64, 128);
        FeatureMap yManaged = managed.Analyze(image);
        FeatureMap yTorch = torchBackend.Analyze(image);
        Assert.Equal((M, 4, 8), (yTorch.Channels, yTorch.Height, yTorch.Width));
        Assert.True(MaxDifference(yManaged, yTorch) < 1e-3, $"y differs by {MaxDifference(yManaged, yTorch)}");

        float[] medians = file.EntropyBottleneckMedians.ToArray();
        FeatureMap yCentres;
        if (kind == ModelArchitectureKind.Bmshj2018Factorized)
        {
            Assert.Throws<InvalidOperationException>(() => torchBackend.HyperAnalyze(yTorch));
            yCentres = PerChannel(medians, yManaged);
        }
        else
        {
            FeatureMap zManaged = managed.HyperAnalyze(yManaged);
            FeatureMap zTorch = torchBackend.HyperAnalyze(yTorch);
            Assert.Equal((N, 1, 2), (zTorch.Channels, zTorch.Height, zTorch.Width));
            FeatureMap zMedians = PerChannel(medians, zManaged);
            int[] zSymbols = Symbols(zManaged, zMedians);
            Assert.Equal(zSymbols, Symbols(zTorch, zMedians));

            // The entropy parameters come from the managed h_s on the shared ẑ, as a codec computes them.
            EntropyParameters parameters = managed.HyperSynthesize(Dequantize(zSymbols, zMedians));
            yCentres = parameters.Means ?? new FeatureMap(M, yManaged.Height, yManaged.Width);
        }

        int[] ySymbols = Symbols(yManaged, yCentres);
        Assert.Equal(ySymbols, Symbols(yTorch, yCentres));
        Assert.Contains(ySymbols, s => s != 0);

        FeatureMap yHat = Dequantize(ySymbols, yCentres);
        FeatureMap xManaged = managed.Synthesize(yHat);
        FeatureMap xTorch = torchBackend.Synthesize(yHat);
        Assert.Equal((3, 64, 128), (xTorch.Channels, xTorch.Height, xTorch.Width));
        float difference = MaxDifference(xManaged, xTorch);
        output.WriteLine($"{kind}: |Δy| ≤ {MaxDifference(yManaged, yTorch):G3}, |Δx̂| ≤ {difference:G3}");
        Assert.True(difference <= ToleranceFor(xManaged), $"reconstructions differ by {difference}");
        Assert.True(xTorch.Data.Max(MathF.Abs) > 0.05f, "the reconstruction should not be trivially small");
    }

    [Theory]
    [MemberData(nameof(ImageModelTests.ImageArchitectures), MemberType = typeof(ImageModelTests))]
    public void SynthesizeRowsGivesTheRowsOfSynthesize(ModelArchitectureKind kind)
    {
        NicModelFile file = ModelFactory.LoadRandom(kind, N, M, seed: 22);
        using var backend = new TorchInferenceBackend(file);
        FeatureMap yHat = RandomLatent(M, 6, 5, seed: 3);
        FeatureMap full = backend.Synthesize(yHat);
        float tolerance = ToleranceFor(full);
        foreach ((int first, int count) in new[] { (0, 1), (0, 6), (1, 2), (2, 1), (3, 3), (5, 1) })
        {
            var band = new FeatureMap(3, 16 * count, 16 * yHat.Width);
            backend.SynthesizeRows(yHat, first, count, band);
            float worst = 0;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < band.Height; y++)
                {
                    for (int x = 0; x < band.Width; x++)
                    {
                        worst = Math.Max(worst, Math.Abs(band[c, y, x] - full[c, (16 * first) + y, x]));
                    }
                }
            }

            // Mathematically equal (the halo hides the cut); libtorch may pick other kernels for another height.
            output.WriteLine($"{kind} band ({first}, {count}): |Δ| ≤ {worst:G3} (allowed {tolerance:G3})");
            Assert.True(worst <= tolerance, $"band ({first}, {count}) differs by {worst}, more than {tolerance}");
        }

        Assert.Throws<ArgumentException>(() => backend.SynthesizeRows(yHat, 0, 1, new FeatureMap(3, 16, 16)));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.SynthesizeRows(yHat, 5, 2, new FeatureMap(3, 32, 80)));
    }

    [Fact]
    public void TfcMnistRunsWholeDigits()
    {
        NicModelFile file = ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 10, seed: 23);
        ManagedModel managed = ManagedModel.Create(file);
        using var backend = new TorchInferenceBackend(file);
        Assert.Equal(0, backend.SynthesisFactor);
        Assert.Equal(1, backend.OutputChannels);

        var digit = new FeatureMap(1, 28, 28);
        for (int i = 0; i < digit.Data.Length; i++)
        {
            digit.Data[i] = (float)(0.5 + (0.5 * Math.Sin(i * 0.37)));
        }

        FeatureMap yTorch = backend.Analyze(digit);
        FeatureMap yManaged = managed.Analyze(digit);
        Assert.Equal(10, yTorch.Data.Length);
        Assert.True(MaxDifference(yManaged, yTorch) < 1e-4, $"y differs by {MaxDifference(yManaged, yTorch)}");

        FeatureMap yHat = RandomLatent(10, 1, 1, seed: 4);
        FeatureMap xManaged = managed.Synthesize(yHat);
        float difference = MaxDifference(xManaged, backend.Synthesize(yHat));
        Assert.True(difference <= ToleranceFor(xManaged), $"reconstructions differ by {difference}");
        Assert.Throws<InvalidOperationException>(() => backend.HyperAnalyze(yTorch));
        Assert.Throws<InvalidOperationException>(() => backend.SynthesizeRows(yHat, 0, 1, new FeatureMap(1, 1, 1)));
        Assert.Throws<ArgumentException>(() => backend.Analyze(new FeatureMap(1, 28, 27)));
    }

    [Fact]
    public void ConcurrentCallsGiveTheSameResults()
    {
        NicModelFile file = ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Hyperprior, N, M, seed: 24);
        using var backend = new TorchInferenceBackend(file);
        FeatureMap yHat = RandomLatent(M, 2, 3, seed: 5);
        float[] expected = backend.Synthesize(yHat).Data;
        var results = new float[4][];
        Parallel.For(0, results.Length, i => results[i] = backend.Synthesize(yHat).Data);
        Assert.All(results, r => Assert.Equal(expected, r));

        backend.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Synthesize(yHat));
    }

    [Fact]
    public void TheFactorySetsLibtorchsThreadsForTheProcessWhenAsked()
    {
        int before = get_num_threads();
        try
        {
            int other = before == 1 ? 2 : 1;
            _ = new TorchBackendFactory(threads: other);
            Assert.Equal(other, get_num_threads());

            _ = new TorchBackendFactory();
            Assert.Equal(other, get_num_threads()); // null leaves the count alone

            Assert.Throws<ArgumentOutOfRangeException>(() => new TorchBackendFactory(threads: 0));
            Assert.Equal(other, get_num_threads());
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Fact]
    public void ExportedTorchModelRunsOnBothEngines()
    {
        random.manual_seed(25);
        using var model = new MeanScaleHyperpriorModel(N, M);
        NicModelFile file = NicModelFile.Load(model.Export("fresh", 0.01, null));
        ManagedModel managed = ManagedModel.Create(file);
        using var backend = new TorchInferenceBackend(file);
        FeatureMap image = SmoothImage(64, 64);
        float yDifference = MaxDifference(managed.Analyze(image), backend.Analyze(image));
        Assert.True(yDifference < 1e-4, $"y differs by {yDifference}");
        FeatureMap yHat = RandomLatent(M, 4, 4, seed: 6);
        FeatureMap xManaged = managed.Synthesize(yHat);
        float difference = MaxDifference(xManaged, backend.Synthesize(yHat));
        Assert.True(difference <= ToleranceFor(xManaged), $"reconstructions differ by {difference}");
    }

    /// <summary>A smooth RGB test image in [0, 1].</summary>
    private static FeatureMap SmoothImage(int height, int width)
    {
        var image = new FeatureMap(3, height, width);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double v = 0.5 + (0.3 * Math.Sin((x * 0.11) + (c * 1.3))) + (0.2 * Math.Cos((y * 0.07) - (x * 0.03 * c)));
                    image[c, y, x] = (float)Math.Clamp(v, 0, 1);
                }
            }
        }

        return image;
    }

    /// <summary>Integer-valued latents in −3 … 3 with a fixed seed.</summary>
    private static FeatureMap RandomLatent(int channels, int height, int width, int seed)
    {
        var random = new Random(seed);
        var map = new FeatureMap(channels, height, width);
        for (int i = 0; i < map.Data.Length; i++)
        {
            map.Data[i] = random.Next(-3, 4);
        }

        return map;
    }

    private static FeatureMap PerChannel(float[] values, FeatureMap like)
    {
        var map = new FeatureMap(like.Channels, like.Height, like.Width);
        for (int c = 0; c < like.Channels; c++)
        {
            map.Plane(c).Fill(values[c]);
        }

        return map;
    }

    /// <summary>round(x − centre), half to even, as the codec quantizes (spec/nic-coding.md §10).</summary>
    private static int[] Symbols(FeatureMap values, FeatureMap centres) =>
        values.Data.Select((v, i) => (int)MathF.Round(v - centres.Data[i], MidpointRounding.ToEven)).ToArray();

    private static FeatureMap Dequantize(int[] symbols, FeatureMap centres) =>
        new(centres.Channels, centres.Height, centres.Width, symbols.Select((s, i) => s + centres.Data[i]).ToArray());

    private static float MaxDifference(FeatureMap a, FeatureMap b)
    {
        Assert.Equal((a.Channels, a.Height, a.Width), (b.Channels, b.Height, b.Width));
        float worst = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a.Data[i] - b.Data[i]));
        }

        return worst;
    }
}
