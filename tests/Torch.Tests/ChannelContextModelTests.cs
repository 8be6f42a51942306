using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>The trainable channel-conditional context model (spec/nic-coding.md §10.3) and its training.</summary>
public sealed class ChannelContextModelTests
{
    private const int M = 8;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFreshModelCodesExactlyAsTheMeanScaleHyperprior(bool checkerboard)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new ChannelContextModel(M, 2, 6, 3, ConditionalDistribution.Gaussian, 0.11f, checkerboard);
        (Tensor y, Tensor scales, Tensor means) = Latents(seed: 5, correlated: false);
        Tensor table = tensor(new[] { 0.11f, 0.3f, 1f, 3f, 10f });
        float context = model.TabledBits(y, scales, means, table, useContext: true).sum().item<float>();
        float baseline = model.TabledBits(y, scales, means, table, useContext: false).sum().item<float>();
        Assert.Equal(baseline, context);
        Assert.True(baseline > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingLearnsACorrelationBetweenSlices(bool checkerboard)
    {
        // Slice 1 repeats slice 0 (plus a little noise) and h_s knows nothing of either: only the context can save bits.
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new ChannelContextModel(M, 2, 16, 1, ConditionalDistribution.Gaussian, 0.11f, checkerboard);
        (Tensor y, Tensor scales, Tensor means) = Latents(seed: 6, correlated: true);
        using var optimizer = new Nic.Torch.Training.Adam(model.parameters(), 0.01);
        float before = model.forward(y, scales, means).sum().item<float>();
        for (int step = 0; step < 150; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = model.forward(y, scales, means).mean();
            loss.backward();
            optimizer.step();
        }

        float after = model.forward(y, scales, means).sum().item<float>();
        Assert.True(after < 0.8 * before, $"{after} bits after training, {before} before");
    }

    [Fact]
    public void TheLogisticCostsMoreThanTheGaussianOnGaussianData()
    {
        using var scope = NewDisposeScope();
        using var gaussian = new ChannelContextModel(M, 2, 4, 1, ConditionalDistribution.Gaussian, 0.11f);
        using var logistic = new ChannelContextModel(M, 2, 4, 1, ConditionalDistribution.Logistic, 0.11f);
        (Tensor y, Tensor scales, Tensor means) = Latents(seed: 7, correlated: false);
        float g = gaussian.forward(y, scales, means).sum().item<float>();
        float l = logistic.forward(y, scales, means).sum().item<float>();
        Assert.True(l > g, $"logistic {l} bits, Gaussian {g}");
        Assert.True(l < 1.1 * g, $"logistic {l} bits, Gaussian {g}: the same σ should cost nearly the same");
    }

    [Fact]
    public void ACheckpointResumesTheSameModelAndStepAndRefusesAnotherShape()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nic-cc-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(8);
            (Tensor y, Tensor scales, Tensor means) = Latents(seed: 9, correlated: true);
            var group = new Nic.Torch.Training.ContextLatents.Group(y, scales, means, "test");
            using var model = new ChannelContextModel(M, 2, 8, 3, ConditionalDistribution.Gaussian, 0.11f, checkerboard: true);
            using var trainer = new Nic.Torch.Training.ContextModelTrainer(model, 0.01, 4, seed: 1);
            for (int i = 0; i < 5; i++)
            {
                trainer.Step(group);
            }

            trainer.SaveCheckpoint(path);
            float trained = model.forward(y, scales, means).sum().item<float>();

            using var resumedModel = new ChannelContextModel(M, 2, 8, 3, ConditionalDistribution.Gaussian, 0.11f, checkerboard: true);
            using var resumed = new Nic.Torch.Training.ContextModelTrainer(resumedModel, 0.01, 4, seed: 1);
            resumed.LoadCheckpoint(path);
            Assert.Equal(5, resumed.StepCount);
            Assert.Equal(trained, resumedModel.forward(y, scales, means).sum().item<float>());

            using var other = new ChannelContextModel(M, 2, 8, 3, ConditionalDistribution.Logistic, 0.11f, checkerboard: true);
            using var otherTrainer = new Nic.Torch.Training.ContextModelTrainer(other, 0.01, 4, seed: 1);
            Assert.Throws<InvalidDataException>(() => otherTrainer.LoadCheckpoint(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The latent search's context (<c>RoundedContextParameters</c> and <c>CodeAround</c>): the networks see the hard-rounded slices whatever the rounding
    /// passed, so a rounding that adds 0.25 to every symbol moves no centre (ŷ is the hard ŷ + 0.25 everywhere), and the
    /// bits' gradient towards slice 0's y does not depend on <c>context.1</c> (no gradient runs back through it). Without
    /// it (<c>Code</c>, the networks fed what the rounding gave) the same rounding moves slice 1's centres, and other
    /// <c>context.1</c> weights give slice 0 another gradient.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheSearchsContextSeesTheRoundedSlicesAndPassesNoGradientBack(bool checkerboard)
    {
        using var scope = NewDisposeScope();
        using var model = new ChannelContextModel(M, 2, 6, 3, ConditionalDistribution.Gaussian, 0.11f, checkerboard);
        var random = new Random(12);
        float[] Draw(float[] like) => [.. like.Select(_ => (float)((random.NextDouble() - 0.5) * 0.6))];
        var weights = model.ModelFileTensors().ToDictionary(t => t.Name, t => Draw(t.Data));
        var otherContext = weights.ToDictionary(w => w.Key, w => w.Key.StartsWith("context.1.", StringComparison.Ordinal) ? Draw(w.Value) : w.Value);
        (Tensor latents, Tensor scales, Tensor means) = Latents(seed: 13, correlated: true);
        static Tensor Shifted(Tensor v) => v.Plus(v.round().Plus(0.25).sub(v).detach());

        foreach (bool rounded in new[] { true, false })
        {
            var gradients = new List<float[]>();
            foreach (Dictionary<string, float[]> set in new[] { weights, otherContext })
            {
                using var pass = NewDisposeScope();
                model.LoadModelFileTensors(name => set[name]);
                Tensor hard = model.Code(latents, scales, means, v => v.round()).YHat;
                Tensor y = latents.detach().clone().requires_grad_(true);
                (Tensor bits, Tensor shifted) = rounded
                    ? model.CodeAround(y, model.RoundedContextParameters(y.detach(), scales, means), Shifted)
                    : model.Code(y, scales, means, Shifted);
                double offset = shifted.sub(hard).Plus(-0.25).abs().max().ToDoubleValue();
                Assert.True(rounded ? offset < 1e-5 : offset > 1e-3, $"rounded context {rounded}: the centres moved by up to {offset}");
                bits.sum().backward();
                gradients.Add(TensorData.ToArray<float>(y.grad!.narrow(1, 0, M / 2).contiguous()));
            }

            double change = gradients[0].Zip(gradients[1], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(rounded ? change == 0 : change > 1e-3, $"rounded context {rounded}: other context.1 weights changed slice 0's gradient by up to {change}");
        }
    }

    /// <summary>
    /// The search's coding under the rounded context finds every centre and scale first and rounds y once
    /// (<c>RoundedContextParameters</c>, <c>CodeAround</c>); with the hard rounding it codes what the general path
    /// (<c>Code</c>, slice by slice, anchors first) codes, the same ŷ and bits, with and without checkerboard passes.
    /// (That the search's ŷ is the managed coder's is TorchLatentOptimizerTests' channel-context search test.)
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheRoundedContextWithHardRoundingCodesWhatTheGeneralPathCodes(bool checkerboard)
    {
        using var scope = NewDisposeScope();
        using var model = new ChannelContextModel(M, 2, 6, 3, ConditionalDistribution.Logistic, 0.11f, checkerboard);
        var random = new Random(14);
        model.LoadModelFileTensors(name => [.. model.ModelFileTensors().First(t => t.Name == name).Data.Select(_ => (float)((random.NextDouble() - 0.5) * 0.6))]);
        (Tensor latents, Tensor scales, Tensor means) = Latents(seed: 15, correlated: true);

        (Tensor bits, Tensor yHat) = model.Code(latents, scales, means, v => v.round());
        (Tensor roundedBits, Tensor roundedYHat) = model.CodeAround(latents, model.RoundedContextParameters(latents, scales, means), v => v.round());

        Assert.Equal(0, roundedYHat.sub(yHat).abs().max().ToDoubleValue());
        Assert.True(roundedBits.sub(bits).abs().max().ToDoubleValue() < 1e-5 * bits.abs().max().ToDoubleValue());
        Assert.True(bits.min().ToDoubleValue() > 0);
    }

    [Theory]
    [InlineData(3, 2, 4, 3)]
    [InlineData(8, 1, 4, 3)]
    [InlineData(8, 2, 4, 2)]
    [InlineData(8, 2, 0, 3)]
    public void HyperParametersOutOfRangeAreRefused(int m, int slices, int hidden, int kernel) =>
        Assert.ThrowsAny<ArgumentException>(() => new ChannelContextModel(m, slices, hidden, kernel, ConditionalDistribution.Gaussian, 0.11f));

    /// <summary>Eight bands of (M, 4, 6): y Gaussian of σ 2 around μ 0.5; with <paramref name="correlated"/>, slice 1 = slice 0 + small noise.</summary>
    private static (Tensor Y, Tensor Scales, Tensor Means) Latents(int seed, bool correlated)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        Tensor y = randn([8, M, 4, 6], generator: generator).Times(2).Plus(0.5);
        if (correlated)
        {
            Tensor first = y.narrow(1, 0, M / 2);
            y = cat([first, first.Plus(randn([8, M / 2, 4, 6], generator: generator).Times(0.2))], 1);
        }

        return (y, TensorArithmetic.Full(2, 8, M, 4, 6), TensorArithmetic.Full(0.5, 8, M, 4, 6));
    }
}

/// <summary>
/// <see cref="Nic.Torch.Training.ContextModelExport"/>: the shipped mean-scale family with a context model becomes an
/// mbt2018-mean-cc family whose points keep their base's weights and code through the managed engine.
/// </summary>
public sealed class ContextModelExportTests
{
    [Fact]
    public void AZeroContextFamilyCodesExactlyAsItsBaseAndALogisticOneCarriesLogisticTables()
    {
        var family = Nic.Codec.Models.NicModelFamily.Load(Path.Combine(Nic.Codec.Catalog.NicModelCatalog.ShippedModelDirectory, "nic-mbt2018-mean.nicm"));
        float s0 = family.Points[0].ScaleTable.Span[0];
        using var zero = new ChannelContextModel(family.HyperParameters.M, 4, 8, 3, ConditionalDistribution.Gaussian, s0, checkerboard: false);
        var packed = Nic.Codec.Models.NicModelFamily.Load(Nic.Torch.Training.ContextModelExport.BuildFamily(family, zero, "test-cc", "{}"));
        Assert.Equal("test-cc", packed.Name);
        Assert.Equal(family.Points.Count, packed.Points.Count);
        Assert.Equal(Nic.Codec.Models.ModelArchitectureKind.Mbt2018MeanChannelContext, packed.Architecture.Kind);

        Nic.Codec.Models.NicModelFile basePoint = family.Points[2], point = packed.Points[2];
        Assert.Equal("test-cc-q3", point.Name);
        Assert.Equal((basePoint.Lambda, basePoint.RatePoint), (point.Lambda, point.RatePoint));
        foreach (string name in basePoint.TensorNames)
        {
            var expected = basePoint.GetTensor(name);
            var actual = point.GetTensor(name);
            Assert.Equal(expected.ElementType, actual.ElementType);
            Assert.True(expected.ElementType == Nic.Codec.Models.ModelTensorType.Int32
                ? expected.Int32Data.Span.SequenceEqual(actual.Int32Data.Span)
                : expected.Float32Data.Span.SequenceEqual(actual.Float32Data.Span), name);
        }

        // The context's last layers are zero: μ = μ_hs + σ′·0 and σ = σ′, so every band is the base model's, bit for bit.
        Nic.Codec.Imaging.RgbImage image = TorchLatentOptimizerTests.Texture(150, 90, seed: 5);
        byte[] plain = Encode(basePoint, image), context = Encode(point, image);
        Assert.Equal(Bands(plain), Bands(context));

        // With checkerboard passes the symbols are the same but coded in another order (anchors first): same pixels.
        using var checkerboard = new ChannelContextModel(family.HyperParameters.M, 4, 8, 3, ConditionalDistribution.Gaussian, s0, checkerboard: true);
        var checkerboardPoint = Nic.Codec.Models.NicModelFile.Load(Nic.Torch.Training.ContextModelExport.BuildPoints(family, checkerboard, "test-cc", "{}")[2]);
        Assert.Equal(1, checkerboardPoint.HyperParameters.ContextCheckerboard);
        Assert.Contains("spatial.0.4.weight", checkerboardPoint.TensorNames);
        byte[] passes = Encode(checkerboardPoint, image);
        Assert.NotEqual(Bands(plain), Bands(passes));
        Assert.Equal(Decode(basePoint, plain).Pixels.ToArray(), Decode(checkerboardPoint, passes).Pixels.ToArray());

        using var logistic = new ChannelContextModel(family.HyperParameters.M, 4, 8, 3, ConditionalDistribution.Logistic, s0, checkerboard: false);
        var logisticPoint = Nic.Codec.Models.NicModelFile.Load(Nic.Torch.Training.ContextModelExport.BuildPoints(family, logistic, "test-cc", "{}")[0]);
        Assert.Equal("logistic", logisticPoint.Metadata[Nic.Torch.Training.ContextModelExport.ConditionalKey]);
        var tables = Nic.Codec.Entropy.LogisticCdfTables.Create(logisticPoint.ScaleTable.ToArray().Select(v => (double)v).ToArray());
        for (int t = 0; t < tables.Count; t++)
        {
            Assert.Equal(tables.GetCdf(t).ToArray(), logisticPoint.GaussianConditionalTables!.GetCdf(t).ToArray());
        }
    }

    private static byte[] Encode(Nic.Codec.Models.NicModelFile file, Nic.Codec.Imaging.RgbImage image)
    {
        var catalog = new Nic.Codec.Catalog.NicModelCatalog([], includeShippedModels: false);
        catalog.Add(file);
        var codec = new Nic.Codec.NicCodec(catalog, new Nic.Codec.NicCodecOptions { IncludeShippedModels = false });
        return codec.Encode(image, new Nic.Codec.NicEncodeOptions { Model = file.Name });
    }

    private static Nic.Codec.Imaging.RgbImage Decode(Nic.Codec.Models.NicModelFile model, byte[] file)
    {
        var catalog = new Nic.Codec.Catalog.NicModelCatalog([], includeShippedModels: false);
        catalog.Add(model);
        return new Nic.Codec.NicCodec(catalog, new Nic.Codec.NicCodecOptions { IncludeShippedModels = false }).DecodeAsync(file).GetAwaiter().GetResult();
    }

    private static byte[][] Bands(byte[] file) =>
        Nic.Format.NicFile.ReadAsync(new Nic.Format.NicReader(file)).AsTask().GetAwaiter().GetResult().Bands.Select(b => b.ToArray()).ToArray();
}
