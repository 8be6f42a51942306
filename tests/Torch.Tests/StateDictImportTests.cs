using Nic.Codec;
using Nic.Codec.Entropy;
using Nic.Codec.Models;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static Nic.Torch.Tests.TestModels;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class StateDictImportTests
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
    public void ImportedStateDictsExportTheModelsOwnFile(ModelArchitectureKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(21);
        using var model = ImageModels.Create(kind, N, M);
        Perturb(model);
        var stateDicts = new Dictionary<string, byte[]>
        {
            ["parameters only"] = TestStateDict.FromModule(model, parametersOnly: true).ToBytes(),
            ["empty tables, as CompressAI keeps them before update()"] = TestStateDict.FromModule(model).ToBytes(),
        };
        byte[] expected = model.Export("imported", 0.0067, """{"steps":5}""", ratePoint: 2, family: "imported-family");
        stateDicts["with tables"] = TestStateDict.FromModule(model).ToBytes();
        stateDicts["with CompressAI's constants"] = WithCompressAIConstants(TestStateDict.FromModule(model), kind).ToBytes();
        stateDicts["a Nic model file"] = expected;
        if (kind != ModelArchitectureKind.Bmshj2018Factorized)
        {
            // CompressAI's scale table is empty until update(); the default applies.
            stateDicts["an empty scale table"] = TestStateDict.FromModule(model).AddFloat32("gaussian_conditional.scale_table", [0], []).ToBytes();
        }

        NicModelFile file = NicModelFile.Load(expected);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            Assert.Equal(parameter.detach().data<float>().ToArray(), file.GetFloat32(name).ToArray());
        }

        foreach ((string what, byte[] stateDict) in stateDicts)
        {
            using ImageCompressionModel imported = ImageModels.FromStateDict(stateDict, kind);
            Assert.IsType(model.GetType(), imported);
            Assert.Equal((N, M), (imported.N, imported.M));
            Assert.False(imported.training, what);
            AssertSameTables(model.EntropyBottleneck.Tables(), imported.EntropyBottleneck.Tables());
            byte[] exported = imported.Export("imported", 0.0067, """{"steps":5}""", ratePoint: 2, family: "imported-family");
            Assert.True(expected.AsSpan().SequenceEqual(exported), $"{kind}, {what}: the import exports other bytes than the model");
        }
    }

    [Fact]
    public void ImportReadsFilesAndTakesNAndMFromTheShapes()
    {
        random.manual_seed(22);
        using var model = new MeanScaleHyperpriorModel(6, 10);
        string path = Path.Combine(Path.GetTempPath(), $"nic-state-{Guid.NewGuid():N}.safetensors");
        try
        {
            TestStateDict.FromModule(model).Save(path);
            using ImageCompressionModel imported = ImageModels.FromStateDict(path, ModelArchitectureKind.Mbt2018Mean);
            Assert.Equal((6, 10), (imported.N, imported.M));
            Assert.Equal(ModelHyperParameters.ForChannels(6, 10), NicModelFile.Load(imported.Export("six-ten", 0.01, null)).HyperParameters);
            NicCodecException tooLong = Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(path, ModelArchitectureKind.Mbt2018Mean, maxLength: 100));
            Assert.Equal(NicCodecError.ModelFileCorrupt, tooLong.Error);
        }
        finally
        {
            File.Delete(path);
        }

        NicCodecException missing = Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(path, ModelArchitectureKind.Mbt2018Mean));
        Assert.Equal(NicCodecError.ModelNotFound, missing.Error);
    }

    [Fact]
    public void Float16StateDictsWidenExactlyAndTheirScaleTableIsUsed()
    {
        random.manual_seed(24);
        using var model = new ScaleHyperpriorModel(N, M);
        Perturb(model);
        Dictionary<string, float[]> rounded = RoundedToFloat16(model);
        float[] roundedScales = Array.ConvertAll(model.GaussianConditional.ScaleTable.ToArray(), s => (float)(Half)s);
        Assert.NotEqual(model.GaussianConditional.ScaleTable.ToArray(), roundedScales);

        using ImageCompressionModel imported = ImageModels.FromStateDict(TestStateDict.FromModule(model, float16: true).ToBytes(), ModelArchitectureKind.Bmshj2018Hyperprior);
        NicModelFile file = NicModelFile.Load(imported.Export("from-half", 0.01, null));
        foreach (string name in rounded.Keys)
        {
            Assert.Equal(rounded[name], file.GetFloat32(name).ToArray());
        }

        Assert.Equal(roundedScales, file.ScaleTable.ToArray());
        AssertSameTables(GaussianCdfTables.Create(Array.ConvertAll(roundedScales, s => (double)s)), file.GaussianConditionalTables!);
    }

    [Fact]
    public void AScaleTableOfItsOwnGetsItsOwnTables()
    {
        using var model = new MeanScaleHyperpriorModel(N, M);
        float[] scales = [0.25f, 0.5f, 1, 2, 4, 8];
        byte[] stateDict = TestStateDict.FromModule(model).AddFloat32("gaussian_conditional.scale_table", [scales.Length], scales).ToBytes();
        using var imported = (HyperpriorModel)ImageModels.FromStateDict(stateDict, ModelArchitectureKind.Mbt2018Mean);
        Assert.Equal(scales, imported.GaussianConditional.ScaleTable);
        NicModelFile file = NicModelFile.Load(imported.Export("six-scales", 0.01, null));
        Assert.Equal(scales, file.ScaleTable.ToArray());
        AssertSameTables(GaussianCdfTables.Create([0.25, 0.5, 1, 2, 4, 8]), file.GaussianConditionalTables!);
    }

    [Theory]
    [InlineData("missing", "g_s.2.weight", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("missing", "entropy_bottleneck._factor3", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("missing", "g_a.0.weight", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("missing", "g_a.6.weight", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("shape", "h_a.2.bias", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("shape", "g_a.6.weight", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("shape", "entropy_bottleneck.target", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("unknown", "g_a.7.weight", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("unknown", "entropy_bottleneck.num_batches_tracked", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("int32", "g_a.1.gamma", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("nan", "h_s.0.bias", NicCodecError.ModelFileCorrupt)]
    [InlineData("infinity", "entropy_bottleneck._matrix0", NicCodecError.ModelFileCorrupt)]
    [InlineData("nan", "entropy_bottleneck.target", NicCodecError.ModelFileCorrupt)]
    [InlineData("falling", "gaussian_conditional.scale_table", NicCodecError.ModelFileCorrupt)]
    [InlineData("constant", "g_s.3.beta_reparam.pedestal", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("constant", "g_a.1.gamma_reparam.lower_bound.bound", NicCodecError.ModelArchitectureMismatch)]
    [InlineData("spread", "entropy_bottleneck.quantiles", NicCodecError.ModelFileCorrupt)]
    public void BadStateDictsAreRefusedNamingTheTensor(string damage, string tensorName, NicCodecError error)
    {
        random.manual_seed(25);
        using var model = new ScaleHyperpriorModel(N, M);
        TestStateDict dict = WithCompressAIConstants(TestStateDict.FromModule(model), ModelArchitectureKind.Bmshj2018Hyperprior);
        switch (damage)
        {
            case "missing":
                dict.Remove(tensorName);
                break;
            case "shape" when tensorName == "g_a.6.weight":
                dict.AddFloat32(tensorName, [M, N + 1, 5, 5], new float[M * (N + 1) * 25]);
                break;
            case "shape":
                dict.AddFloat32(tensorName, [N + 1], new float[N + 1]);
                break;
            case "unknown":
                dict.AddFloat32(tensorName, [M], new float[M]);
                break;
            case "int32":
                dict.Add(tensorName, zeros(N, N, dtype: ScalarType.Int32));
                break;
            case "nan":
                dict.SetFloat32(tensorName, 2, float.NaN);
                break;
            case "infinity":
                dict.SetFloat32(tensorName, 0, float.NegativeInfinity);
                break;
            case "falling":
                dict.AddFloat32(tensorName, [3], [0.5f, 0.4f, 1]);
                break;
            case "constant":
                dict.AddFloat32(tensorName, [1], [1e-10f]);
                break;
            case "spread":
                // Channel 0's quantiles 10^6 apart: a table of a million symbols.
                dict.SetFloat32(tensorName, 0, -1e6f).SetFloat32(tensorName, 2, 1e6f);
                break;
        }

        NicCodecException e = Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(dict.ToBytes(), ModelArchitectureKind.Bmshj2018Hyperprior));
        Assert.Equal(error, e.Error);
        Assert.Contains(tensorName, e.Message);
    }

    [Fact]
    public void OtherArchitecturesAndOtherFilesAreRefused()
    {
        using var factorized = new FactorizedPriorModel(N, M);
        using var hyperprior = new ScaleHyperpriorModel(N, M);
        byte[] factorizedDict = TestStateDict.FromModule(factorized).ToBytes();
        byte[] hyperpriorDict = TestStateDict.FromModule(hyperprior).ToBytes();

        Assert.Equal(NicCodecError.ModelArchitectureMismatch, Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(factorizedDict, ModelArchitectureKind.Mbt2018Mean)).Error);
        NicCodecException extra = Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(hyperpriorDict, ModelArchitectureKind.Bmshj2018Factorized));
        Assert.Equal(NicCodecError.ModelArchitectureMismatch, extra.Error);
        Assert.Contains("unexpected tensor", extra.Message);
        Assert.Equal(NicCodecError.ModelArchitectureMismatch, Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(hyperpriorDict, ModelArchitectureKind.Mbt2018Mean)).Error);

        Assert.Equal(NicCodecError.ModelFileCorrupt, Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict(hyperpriorDict.AsMemory(0, hyperpriorDict.Length - 1), ModelArchitectureKind.Bmshj2018Hyperprior)).Error);
        Assert.Equal(NicCodecError.ModelFileCorrupt, Assert.Throws<NicCodecException>(() => ImageModels.FromStateDict("PK\u0003\u0004 a zip, as torch.save writes"u8.ToArray(), ModelArchitectureKind.Bmshj2018Hyperprior)).Error);
        Assert.Throws<ArgumentException>(() => ImageModels.FromStateDict(hyperpriorDict, ModelArchitectureKind.TfcMnist));
        Assert.Throws<ArgumentException>(() => ImageModels.FromStateDict("unused.safetensors", ModelArchitectureKind.TfcMnist));
    }

    /// <summary>Adds the constant buffers a CompressAI model's state dict holds besides Nic's (spec/nic-model.md §4.7), with CompressAI's values.</summary>
    private static TestStateDict WithCompressAIConstants(TestStateDict dict, ModelArchitectureKind kind)
    {
        float pedestal = (float)Math.Pow(2, -36);
        float betaBound = (float)Math.Sqrt(1e-6 + Math.Pow(2, -36));
        float gammaBound = (float)Math.Pow(2, -18);
        foreach (string layer in new[] { "g_a.1", "g_a.3", "g_a.5", "g_s.1", "g_s.3", "g_s.5" })
        {
            dict.AddFloat32(layer + ".beta_reparam.pedestal", [1], [pedestal]);
            dict.AddFloat32(layer + ".beta_reparam.lower_bound.bound", [1], [betaBound]);
            dict.AddFloat32(layer + ".gamma_reparam.pedestal", [1], [pedestal]);
            dict.AddFloat32(layer + ".gamma_reparam.lower_bound.bound", [1], [gammaBound]);
        }

        int channels = kind == ModelArchitectureKind.Bmshj2018Factorized ? M : N;
        dict.AddFloat32("entropy_bottleneck.likelihood_lower_bound.bound", [1], [1e-9f]);
        dict.AddFloat32("entropy_bottleneck._medians", [channels, 1, 1], new float[channels]);
        if (kind != ModelArchitectureKind.Bmshj2018Factorized)
        {
            dict.AddFloat32("gaussian_conditional.scale_bound", [1], [0.11f]);
            dict.AddFloat32("gaussian_conditional.lower_bound_scale.bound", [1], [0.11f]);
            dict.AddFloat32("gaussian_conditional.likelihood_lower_bound.bound", [1], [1e-9f]);
        }

        return dict;
    }
}
