using Nic.Codec.Entropy;
using Nic.Codec.Models;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class ImageModelTests
{
    private const int N = 8;
    private const int M = 12;

    public static TheoryData<ModelArchitectureKind> ImageArchitectures =>
    [
        ModelArchitectureKind.Bmshj2018Factorized,
        ModelArchitectureKind.Bmshj2018Hyperprior,
        ModelArchitectureKind.Mbt2018Mean,
    ];

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void StateDictHasTheSpecsNamesAndShapes(ModelArchitectureKind kind)
    {
        using var model = ImageModels.Create(kind, N, M);
        model.EntropyBottleneck.Update();
        var specs = ModelArchitecture.Get(kind).GetTensors(ModelHyperParameters.ForChannels(N, M)).ToDictionary(s => s.Name);
        var state = model.state_dict();

        foreach ((string name, Tensor value) in state)
        {
            Assert.True(specs.TryGetValue(name, out ModelTensorSpec? spec), $"{name} is not a tensor of {kind}");
            Assert.True(spec.Matches(value.shape.Select(d => (int)d).ToArray()), $"{name}: {spec.FormatShape()} expected, got [{string.Join(", ", value.shape)}]");
            Assert.Equal(spec.ElementType == ModelTensorType.Int32 ? ScalarType.Int32 : ScalarType.Float32, value.dtype);
        }

        Assert.All(specs.Values.Where(s => s.Required), s => Assert.True(state.ContainsKey(s.Name), $"{s.Name} is missing"));

        // Every float tensor the spec requires, except the Gaussian conditional's fixed scale table, is a parameter.
        var expectedParameters = specs.Values
            .Where(s => s.Required && s.ElementType == ModelTensorType.Float32 && s.Name != "gaussian_conditional.scale_table")
            .Select(s => s.Name).Order(StringComparer.Ordinal);
        Assert.Equal(expectedParameters, model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void ExportLoadsAndImportsExactly(ModelArchitectureKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        using var model = ImageModels.Create(kind, N, M);
        TestModels.Perturb(model);
        byte[] bytes = model.Export("test-image-model", 0.0130, """{"steps":0}""", ratePoint: 3);

        NicModelFile file = NicModelFile.Load(bytes);
        Assert.Equal(kind, file.Architecture.Kind);
        Assert.Equal(ModelHyperParameters.ForChannels(N, M), file.HyperParameters);
        Assert.Equal(0.0130, file.Lambda);
        Assert.Equal(3, file.RatePoint);
        Assert.Equal(ModelDistortion.Mse, file.Distortion);
        Assert.Equal("""{"steps":0}""", file.Metadata["training"]);

        using ImageCompressionModel imported = ImageModels.FromModelFile(file);
        Assert.IsType(model.GetType(), imported);
        Assert.False(imported.training);
        var importedParameters = imported.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            float[] expected = parameter.detach().data<float>().ToArray();
            Assert.Equal(expected, importedParameters[name].detach().data<float>().ToArray());
            Assert.Equal(expected, file.GetFloat32(name).ToArray());
        }

        // The imported model carries the same tables, so exporting it again gives the same bytes.
        Assert.Equal(bytes, imported.Export("test-image-model", 0.0130, """{"steps":0}""", ratePoint: 3));
    }

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void ExportedTablesAreTheBottlenecksAndTheGaussianConditionals(ModelArchitectureKind kind)
    {
        random.manual_seed(12);
        using var model = ImageModels.Create(kind, N, M);
        TestModels.Perturb(model);
        NicModelFile file = NicModelFile.Load(model.Export("tables", 0.01, null));

        AssertSameTables(model.EntropyBottleneck.Tables(), file.EntropyBottleneckTables!);
        Assert.Equal(model.EntropyBottleneck.Medians(), file.EntropyBottleneckMedians.ToArray());
        Assert.Equal(kind == ModelArchitectureKind.Bmshj2018Factorized ? M : N, file.EntropyBottleneckTables!.Count);
        if (model is HyperpriorModel hyperprior)
        {
            AssertSameTables(GaussianCdfTables.Create(GaussianCdfTables.LogSpacedScales()), file.GaussianConditionalTables!);
            Assert.Equal(hyperprior.GaussianConditional.ScaleTable, file.ScaleTable.ToArray());
        }
        else
        {
            Assert.Null(file.GaussianConditionalTables);
        }
    }

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void TrainingForwardGivesPositiveBitsAndGradients(ModelArchitectureKind kind)
    {
        random.manual_seed(13);
        using var model = ImageModels.Create(kind, N, M);
        model.train();
        using var scope = NewDisposeScope();
        Tensor x = rand(2, 3, 64, 64);
        (Tensor reconstruction, Tensor bits) = model.forward(x);

        Assert.Equal(x.shape, reconstruction.shape);
        Assert.Equal([2L], bits.shape);
        Assert.All(bits.data<float>().ToArray(), b => Assert.True(float.IsFinite(b) && b > 0, $"bits {b}"));

        Tensor loss = bits.mean().Plus(reconstruction.sub(x).Squared().mean().Times(100));
        loss.backward();
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            if (name == "entropy_bottleneck.quantiles")
            {
                Assert.True(parameter.grad is null || parameter.grad.abs().max().item<float>() == 0, "the main loss must not train the quantiles");
                continue;
            }

            Assert.True(parameter.grad is not null, $"{name} has no gradient");
            Assert.True(float.IsFinite(parameter.grad.abs().sum().item<float>()), $"{name} has a non-finite gradient");
        }

        Assert.Contains(model.named_parameters(), p => p.name.StartsWith("g_a.", StringComparison.Ordinal) && p.parameter.grad!.abs().max().item<float>() > 0);
    }

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void AuxiliaryLossTrainsOnlyTheQuantiles(ModelArchitectureKind kind)
    {
        using var model = ImageModels.Create(kind, N, M);
        Parameter quantiles = Assert.Single(model.AuxiliaryParameters());
        Assert.Same(model.EntropyBottleneck.Quantiles, quantiles);

        using var scope = NewDisposeScope();
        Tensor loss = model.AuxiliaryLoss();
        Assert.Equal(0, loss.dim());
        Assert.True(loss.item<float>() > 0);
        loss.backward();
        Assert.True(quantiles.grad!.abs().max().item<float>() > 0);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            if (name != "entropy_bottleneck.quantiles")
            {
                Assert.True(parameter.grad is null || parameter.grad.abs().max().item<float>() == 0, $"{name} got an auxiliary gradient");
            }
        }
    }

    /// <summary>The Torch module of each architecture has the geometry its definition derives from its layers (spec/nic-model.md §4.1).</summary>
    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void TheModuleHasItsDefinitionsGeometry(ModelArchitectureKind kind)
    {
        ModelGeometry geometry = ModelArchitecture.Get(kind).Geometry!;
        Assert.Equal(ImageCompressionModel.LatentFactor, geometry.LatentFactor);
        Assert.Equal(0, ImageCompressionModel.SizeMultiple % geometry.Alignment);
        random.manual_seed(15);
        using var model = ImageModels.Create(kind, N, M);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor x = rand(1, 3, 2 * geometry.Alignment, geometry.Alignment);
        Tensor y = model.Analyze(x);
        Assert.Equal([1L, M, x.shape[2] / geometry.LatentFactor, x.shape[3] / geometry.LatentFactor], y.shape);
        Assert.Equal(x.shape, model.Synthesize(y).shape);
        if (model is HyperpriorModel hyperprior)
        {
            Assert.Equal([1L, N, x.shape[2] / geometry.HyperLatentFactor, x.shape[3] / geometry.HyperLatentFactor], hyperprior.HyperAnalyze(y).shape);
        }
        else
        {
            Assert.Equal(0, geometry.HyperLatentFactor);
        }
    }

    [Theory]
    [MemberData(nameof(ImageArchitectures))]
    public void EvaluationRoundsTheLatentsAndClampsTheReconstruction(ModelArchitectureKind kind)
    {
        random.manual_seed(14);
        using var model = ImageModels.Create(kind, N, M);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor x = rand(1, 3, 64, 128);
        (Tensor reconstruction, Tensor bits) = model.forward(x);
        Assert.InRange(reconstruction.min().item<float>(), 0f, 1f);
        Assert.InRange(reconstruction.max().item<float>(), 0f, 1f);
        Assert.True(bits.item<float>() > 0);

        // The reconstruction is g_s of the rounded latent, rounded as the codec rounds it.
        Tensor y = model.Analyze(x);
        Tensor yHat;
        if (model is HyperpriorModel hyperprior)
        {
            Tensor z = hyperprior.HyperAnalyze(y);
            Tensor medians = tensor(model.EntropyBottleneck.Medians()).reshape(1, -1, 1, 1);
            Tensor zHat = z.sub(medians).round().Plus(medians);
            (_, Tensor? means) = hyperprior.HyperSynthesize(zHat);
            Assert.Equal(kind == ModelArchitectureKind.Mbt2018Mean, means is not null);
            yHat = means is null ? y.round() : y.sub(means).round().Plus(means);
        }
        else
        {
            Tensor medians = tensor(model.EntropyBottleneck.Medians()).reshape(1, -1, 1, 1);
            yHat = y.sub(medians).round().Plus(medians);
        }

        Tensor expected = model.Synthesize(yHat).ClampedTo(0, 1);
        Assert.Equal(0f, expected.sub(reconstruction).abs().max().item<float>());

        // Noise in training mode: the same input gives other values.
        model.train();
        (Tensor noisy, _) = model.forward(x);
        Assert.True(noisy.sub(reconstruction).abs().max().item<float>() > 0);
    }

    [Fact]
    public void MeanScaleHyperpriorSplitsScalesFirst()
    {
        using var model = new MeanScaleHyperpriorModel(N, M);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor zHat = randn(1, N, 2, 3);
        var hs = model.named_children().Single(c => c.name == "h_s").module;
        Tensor all = ((Sequential)hs).forward(zHat);
        Assert.Equal([1L, 2 * M, 8, 12], all.shape);
        (Tensor scales, Tensor? means) = model.HyperSynthesize(zHat);
        Assert.Equal(0f, scales.sub(all.narrow(1, 0, M)).abs().max().item<float>());
        Assert.Equal(0f, means!.sub(all.narrow(1, M, M)).abs().max().item<float>());
    }

    [Fact]
    public void ScaleHyperpriorAnalyzesTheMagnitudeOfY()
    {
        using var model = new ScaleHyperpriorModel(N, M);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor y = randn(1, M, 8, 8);
        Assert.Equal(0f, model.HyperAnalyze(y).sub(model.HyperAnalyze(y.neg())).abs().max().item<float>());
        Assert.Equal([1L, N, 2, 2], model.HyperAnalyze(y).shape);
    }

    [Fact]
    public void MisuseIsRefusedClearly()
    {
        Assert.Throws<ArgumentException>(() => ImageModels.Create(ModelArchitectureKind.TfcMnist, N, M));
        NicModelFile mnist = ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 8, seed: 1);
        Assert.Throws<ArgumentException>(() => ImageModels.FromModelFile(mnist));
        NicModelFile factorized = ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Factorized, N, M, seed: 1);
        Assert.Throws<ArgumentException>(() => ScaleHyperpriorModel.FromModelFile(factorized));

        using var model = new FactorizedPriorModel(N, M);
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => model.forward(rand(1, 3, 64, 96)));
        Assert.Throws<ArgumentException>(() => model.forward(rand(1, 1, 64, 64)));
        Assert.Throws<InvalidOperationException>(() => model.HyperAnalyze(rand(1, M, 4, 4)));
        Assert.Throws<ArgumentException>(() => model.Export("Bad Name", 0.01, null));
        Assert.Throws<ArgumentException>(() => model.Export("ok", 0, null));
    }

    [Fact]
    public void RandomModelFilesImportForFineTuning()
    {
        foreach (ModelArchitectureKind kind in new[] { ModelArchitectureKind.Bmshj2018Factorized, ModelArchitectureKind.Bmshj2018Hyperprior, ModelArchitectureKind.Mbt2018Mean })
        {
            NicModelFile file = ModelFactory.LoadRandom(kind, N, M, seed: 5);
            using ImageCompressionModel model = ImageModels.FromModelFile(file);
            AssertSameTables(file.EntropyBottleneckTables!, model.EntropyBottleneck.Tables());
            if (model is HyperpriorModel hyperprior)
            {
                AssertSameTables(file.GaussianConditionalTables!, hyperprior.GaussianConditional.Tables);
                Assert.Equal(file.ScaleTable.ToArray(), hyperprior.GaussianConditional.ScaleTable);
            }

            model.train();
            using var scope = NewDisposeScope();
            (Tensor reconstruction, Tensor bits) = model.forward(rand(1, 3, 64, 64));
            bits.sum().Plus(reconstruction.sum()).backward();
            Assert.NotNull(model.named_parameters().First().parameter.grad);
        }
    }

    private static void AssertSameTables(QuantizedCdfTables expected, QuantizedCdfTables actual)
    {
        (int[] expectedCdf, int expectedLength, int[] expectedOffsets, int[] expectedLengths) = expected.ToPaddedLayout();
        (int[] actualCdf, int actualLength, int[] actualOffsets, int[] actualLengths) = actual.ToPaddedLayout();
        Assert.Equal(expectedLength, actualLength);
        Assert.Equal(expectedCdf, actualCdf);
        Assert.Equal(expectedOffsets, actualOffsets);
        Assert.Equal(expectedLengths, actualLengths);
    }
}
