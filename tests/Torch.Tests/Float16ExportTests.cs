using Nic.Codec.Models;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static Nic.Torch.Tests.TestModels;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class Float16ExportTests
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
    public void Float16ExportStoresBinary16AndBuildsTheTablesFromTheRoundedValues(ModelArchitectureKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(41);
        using var model = ImageModels.Create(kind, N, M);
        Perturb(model);
        Dictionary<string, float[]> rounded = RoundedToFloat16(model);
        byte[] half = model.Export("half", 0.01, null, ratePoint: 1, family: null, ParameterPrecision.Float16);

        // Parameters F16, the scale table F32, the tables I32.
        SafetensorsFile container = SafetensorsReader.Parse(half);
        foreach (SafetensorsEntry entry in container.Entries)
        {
            SafetensorsDataType expectedType = rounded.ContainsKey(entry.Name) ? SafetensorsDataType.F16
                : entry.Name == "gaussian_conditional.scale_table" ? SafetensorsDataType.F32
                : SafetensorsDataType.I32;
            Assert.True(expectedType == entry.DataType, $"{entry.Name} is stored as {entry.DataType}, not {expectedType}");
        }

        Assert.Equal(rounded.Count, container.Entries.Count(e => e.DataType == SafetensorsDataType.F16));

        // The values are the binary16 roundings (torch's conversion), and the model now holds them too.
        NicModelFile file = NicModelFile.Load(half);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            Assert.Equal(rounded[name], file.GetFloat32(name).ToArray());
            Assert.Equal(rounded[name], parameter.detach().data<float>().ToArray());
        }

        // The file is self-consistent: the model it loads into rebuilds exactly its bottleneck tables, and writes the
        // same file again.
        using ImageCompressionModel reloaded = ImageModels.FromModelFile(file);
        NicModelFile rebuilt = NicModelFile.Load(reloaded.Export("half", 0.01, null, ratePoint: 1, family: null));
        AssertSameTables(file.EntropyBottleneckTables!, rebuilt.EntropyBottleneckTables!);
        Assert.Equal(file.EntropyBottleneckMedians.ToArray(), rebuilt.EntropyBottleneckMedians.ToArray());
        Assert.True(half.AsSpan().SequenceEqual(reloaded.Export("half", 0.01, null, ratePoint: 1, family: null, ParameterPrecision.Float16)));

        // A Float32 export of the rounded model has the same tables: rounding came before the tables were built.
        NicModelFile single = NicModelFile.Load(model.Export("half", 0.01, null));
        AssertSameTables(file.EntropyBottleneckTables!, single.EntropyBottleneckTables!);
        if (kind != ModelArchitectureKind.Bmshj2018Factorized)
        {
            Assert.Equal(file.ScaleTable.ToArray(), single.ScaleTable.ToArray());
            AssertSameTables(file.GaussianConditionalTables!, single.GaussianConditionalTables!);
        }
    }

    [Fact]
    public void Float16ExportRefusesValuesBeyondItsRangeAndChangesNothing()
    {
        using var model = new FactorizedPriorModel(N, M);
        Parameter weight = model.named_parameters().Single(p => p.name == "g_s.6.weight").parameter;
        using (no_grad())
        {
            weight[0, 0, 0, 0] = tensor(1e6f);
        }

        Dictionary<string, float[]> before = Parameters(model);
        var e = Assert.Throws<InvalidOperationException>(() => model.Export("too-large", 0.01, null, 0, null, ParameterPrecision.Float16));
        Assert.Contains("g_s.6.weight", e.Message);
        Assert.Equal(before, Parameters(model));

        Assert.Throws<ArgumentException>(() => model.Export("bad-precision", 0.01, null, 0, null, (ParameterPrecision)7));
        Assert.Throws<ArgumentException>(() => model.Export("Bad Name", 0.01, null, 0, null, ParameterPrecision.Float16));
        Assert.Equal(before, Parameters(model));
    }
}
