using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Torch.Models;
using Nic.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class TfcMnistModelTests(TrainedMnistFixture trained) : IClassFixture<TrainedMnistFixture>
{
    [Theory]
    [InlineData(50)]
    [InlineData(8)]
    public void ParametersAreTheSpecsFloatTensors(int latent)
    {
        using var model = new TfcMnistModel(latent);
        var expected = ModelArchitecture.Get(ModelArchitectureKind.TfcMnist).GetTensors(ModelHyperParameters.ForMnist(latent))
            .Where(s => s.Required && s.ElementType == ModelTensorType.Float32)
            .ToDictionary(s => s.Name, s => s.Shape.ToArray());
        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape.Select(d => (int)d).ToArray());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach ((string name, int[] shape) in expected)
        {
            Assert.Equal(shape, actual[name]);
        }
    }

    [Fact]
    public void InitialisationIsGlorotUniformWithZeroBiases()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var model = new TfcMnistModel();
        foreach ((string name, var parameter) in model.named_parameters())
        {
            float[] values = parameter.detach().data<float>().ToArray();
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                long[] s = parameter.shape;
                double receptive = s.Length == 4 ? s[2] * s[3] : 1;
                double limit = Math.Sqrt(6 / ((s[0] + s[1]) * receptive));
                Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, limit));
                Assert.True(values.Max(Math.Abs) > 0.9 * limit, name);
            }
            else
            {
                Assert.All(values, v => Assert.Equal(0f, v));
            }
        }
    }

    [Fact]
    public void ShortTrainingLowersTheLoss()
    {
        Assert.True(trained.After.Loss < 0.7 * trained.Before.Loss, $"loss {trained.Before.Loss} → {trained.After.Loss}");
        Assert.True(trained.After.Distortion < trained.Before.Distortion);
        Assert.InRange(trained.FirstStep.Loss, 0.8 * trained.Before.Loss, 1.2 * trained.Before.Loss);
    }

    [Fact]
    public void ExportedFileRunsOnTheManagedEngineLikeTorch()
    {
        byte[] bytes = trained.Model.Export("test-mnist", 2000, """{"steps":400}""");
        NicModelFile file = NicModelFile.Load(bytes);
        Assert.Equal(ModelArchitectureKind.TfcMnist, file.Architecture.Kind);
        Assert.Equal(ModelDistortion.Mae, file.Distortion);
        Assert.Equal(2000, file.Lambda);
        Assert.Equal("""{"steps":400}""", file.Metadata["training"]);
        Assert.NotNull(file.PriorTables);
        Assert.Equal(50, file.PriorTables!.Count);

        var managed = ManagedModel.Create(file, 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor digits = trained.Digits.narrow(0, 0, 300).index_select(0, tensor(new long[] { 0, 31, 95, 152, 299 }));
        Tensor y = trained.Model.Analyze(digits);
        Tensor yHat = y.round();
        Tensor xHat = trained.Model.Synthesize(yHat);
        for (int i = 0; i < digits.shape[0]; i++)
        {
            float[] pixels = digits[i].contiguous().data<float>().ToArray();
            FeatureMap managedY = managed.Analyze(new FeatureMap(1, 28, 28, pixels));
            float[] torchY = y[i].contiguous().data<float>().ToArray();
            Assert.Equal(50, managedY.Data.Length);
            for (int d = 0; d < 50; d++)
            {
                Assert.Equal(torchY[d], managedY.Data[d], 1e-3f);
            }

            float[] symbols = yHat[i].contiguous().data<float>().ToArray();
            FeatureMap reconstruction = managed.Synthesize(new FeatureMap(50, 1, 1, symbols));
            float[] expected = xHat[i].contiguous().data<float>().ToArray();
            Assert.Equal(784, reconstruction.Data.Length);
            double worst = expected.Zip(reconstruction.Data, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-4, $"digit {i}: largest difference {worst}");
        }
    }

    [Fact]
    public void ModelFileRoundTripsTheParameters()
    {
        using var scope = NewDisposeScope();
        byte[] bytes = trained.Model.Export("test-mnist", 2000, null);
        using TfcMnistModel loaded = TfcMnistModel.FromModelFile(NicModelFile.Load(bytes));
        var original = trained.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach ((string name, var parameter) in loaded.named_parameters())
        {
            Assert.True(parameter.detach().eq(original[name].detach()).all().item<bool>(), name);
        }

        Assert.Equal(bytes, loaded.Export("test-mnist", 2000, null));
    }

    [Fact]
    public void CompressedLatentsRoundTripAtTheEstimatedRate()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ContinuousBatchedEntropyModelHolder holder = new(trained.Model);
        Tensor y = trained.Model.Analyze(trained.Digits);
        byte[][] strings = holder.Model.Compress(y);
        Assert.Equal(300, strings.Length);
        Tensor decoded = holder.Model.Decompress(strings);
        Assert.True(decoded.eq(y.round()).all().item<bool>(), "decompressed latents differ from round(y)");

        trained.Model.eval();
        (Tensor reconstruction, Tensor bits) = trained.Model.forward(trained.Digits);
        // Compact strings (spec/nic-coding.md §2.7): each costs its information plus at most 25 bits (the start-up
        // loss and the rounding to bytes; this briefly trained model's latents average about 16 bits over), where a
        // standard stream costs 31 bits of initial state and a whole 8-byte final state more.
        float[] perDigit = bits.data<float>().ToArray();
        for (int i = 0; i < strings.Length; i++)
        {
            Assert.InRange(8.0 * strings[i].Length, perDigit[i] - 2, perDigit[i] + 25);
        }

        double overhead = strings.Select((s, i) => (8.0 * s.Length) - perDigit[i]).Average();
        Assert.InRange(overhead, 0, 20);
        double standardOverhead = strings.Select((s, i) => (8.0 * IndexedEntropyCoder.Encode(
            trained.Model.Analyze(trained.Digits.narrow(0, i, 1)).round().to_type(ScalarType.Int32).data<int>().ToArray(),
            new int[trained.Model.LatentDimensions].Select((_, d) => d).ToArray(),
            holder.Model.Tables()).Length) - perDigit[i]).Average();
        Assert.True(standardOverhead > overhead + 20, $"standard streams {standardOverhead:F1} bits over, compact {overhead:F1}");

        Tensor viaStrings = trained.Model.Decompress(trained.Model.Compress(trained.Digits));
        Assert.True(viaStrings.allclose(reconstruction, rtol: 0, atol: 1e-6));
    }

    private sealed class ContinuousBatchedEntropyModelHolder(TfcMnistModel model)
    {
        internal Nic.Torch.EntropyModels.ContinuousBatchedEntropyModel Model { get; } = model.EntropyModel();
    }
}
