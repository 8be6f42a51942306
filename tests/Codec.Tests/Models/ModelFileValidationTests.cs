using System.Buffers.Binary;
using System.Text;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Models;

public class ModelFileValidationTests
{
    private static readonly ModelHyperParameters Small = ModelHyperParameters.ForChannels(4, 6);

    private static NicModelFileBuilder Hyperprior() =>
        ModelFactory.CreateRandomBuilder(ModelArchitectureKind.Bmshj2018Hyperprior, Small, seed: 21);

    private static NicCodecException LoadFails(byte[] bytes, NicCodecError expected)
    {
        var e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(bytes));
        Assert.Equal(expected, e.Error);
        return e;
    }

    /// <summary>Rewrites a valid file with edited metadata and tensors, bypassing the builder's checks.</summary>
    private static byte[] Rewrite(byte[] file, Action<Dictionary<string, string>>? metadata = null, Action<List<SafetensorsWriter.Tensor>>? tensors = null)
    {
        SafetensorsFile parsed = SafetensorsReader.Parse(file);
        var map = new Dictionary<string, string>(parsed.Metadata);
        var list = parsed.Entries.Select(e => new SafetensorsWriter.Tensor(e.Name, e.DataType, e.Shape, parsed.GetBytes(e).ToArray())).ToList();
        metadata?.Invoke(map);
        tensors?.Invoke(list);
        return SafetensorsWriter.Write(map, list);
    }

    [Fact]
    public void MissingTensor()
    {
        var builder = Hyperprior();
        Assert.True(builder.RemoveTensor("h_s.2.weight"));
        var e = LoadFails(builder.BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
        Assert.Contains("'h_s.2.weight' is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 4, 5, 5]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnexpectedTensor()
    {
        var builder = Hyperprior().AddFloat32("h_s.6.weight", [1], [0f]);
        var e = LoadFails(builder.BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
        Assert.Contains("unexpected tensor 'h_s.6.weight'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShapeNamesExpectedAndActual()
    {
        var builder = Hyperprior().AddFloat32("g_a.6.weight", [6, 4, 3, 3], new float[6 * 4 * 9]);
        var e = LoadFails(builder.BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
        Assert.Contains("'g_a.6.weight' has the shape [6, 4, 3, 3]; expected [6, 4, 5, 5]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongDataType()
    {
        LoadFails(Hyperprior().AddInt32("g_a.0.bias", [4], new int[4]).BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
        LoadFails(Hyperprior().AddFloat32("entropy_bottleneck._offset", [4], new float[4]).BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
    }

    [Fact]
    public void InconsistentGaussianTableCount()
    {
        var builder = Hyperprior().AddFloat32("gaussian_conditional.scale_table", [3], [0.2f, 0.5f, 1f]);
        LoadFails(builder.BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
    }

    [Theory]
    [InlineData("lambda", "abc")]
    [InlineData("lambda", "-1")]
    [InlineData("lambda", "NaN")]
    [InlineData("N", "04")]
    [InlineData("N", "+4")]
    [InlineData("M", "5000")]
    [InlineData("distortion", "psnr")]
    [InlineData("rate_point", "1.5")]
    [InlineData("name", "Bad Name")]
    [InlineData("training", "{not json")]
    [InlineData("architecture", "cheng2020-anchor")]
    public void BadMetadataValue(string key, string value)
    {
        byte[] bytes = Rewrite(Hyperprior().Build(), metadata: m => m[key] = value);
        var e = LoadFails(bytes, NicCodecError.ModelArchitectureMismatch);
        if (key == "architecture")
        {
            Assert.Contains("unknown architecture", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("lambda")]
    [InlineData("N")]
    [InlineData("name")]
    [InlineData("architecture")]
    public void MissingMetadata(string key) =>
        LoadFails(Rewrite(Hyperprior().Build(), metadata: m => m.Remove(key)), NicCodecError.ModelArchitectureMismatch);

    [Theory]
    [InlineData("format", "safetensors")]
    [InlineData("format_version", "2")]
    public void NotANicModelV1(string key, string value) =>
        LoadFails(Rewrite(Hyperprior().Build(), metadata: m => m[key] = value), NicCodecError.ModelFileCorrupt);

    [Fact]
    public void TableRowNotRising()
    {
        var model = NicModelFile.Load(Hyperprior().Build());
        int[] cdf = model.GetInt32("gaussian_conditional._quantized_cdf").ToArray();
        int maxLength = model.GetTensor("gaussian_conditional._quantized_cdf").Shape[1];
        (cdf[(5 * maxLength) + 2], cdf[(5 * maxLength) + 3]) = (cdf[(5 * maxLength) + 3], cdf[(5 * maxLength) + 2]);
        var builder = Hyperprior().AddInt32("gaussian_conditional._quantized_cdf", [64, maxLength], cdf);
        var e = LoadFails(builder.BuildUnchecked(), NicCodecError.ModelFileCorrupt);
        Assert.Contains("row 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CdfLengthBeyondLmax()
    {
        var model = NicModelFile.Load(Hyperprior().Build());
        int maxLength = model.GetTensor("entropy_bottleneck._quantized_cdf").Shape[1];
        int[] lengths = model.GetInt32("entropy_bottleneck._cdf_length").ToArray();
        lengths[2] = maxLength + 1;
        var e = LoadFails(Hyperprior().AddInt32("entropy_bottleneck._cdf_length", [4], lengths).BuildUnchecked(), NicCodecError.ModelFileCorrupt);
        Assert.Contains("_cdf_length[2]", e.Message, StringComparison.Ordinal);
        lengths[2] = 2;
        LoadFails(Hyperprior().AddInt32("entropy_bottleneck._cdf_length", [4], lengths).BuildUnchecked(), NicCodecError.ModelFileCorrupt);
    }

    [Fact]
    public void NonZeroPaddingAndBadScaleTable()
    {
        var model = NicModelFile.Load(Hyperprior().Build());
        int maxLength = model.GetTensor("gaussian_conditional._quantized_cdf").Shape[1];
        int[] cdf = model.GetInt32("gaussian_conditional._quantized_cdf").ToArray();
        cdf[maxLength - 1] = 7; // row 0 (σ = 0.11) is far shorter than Lmax
        LoadFails(Hyperprior().AddInt32("gaussian_conditional._quantized_cdf", [64, maxLength], cdf).BuildUnchecked(), NicCodecError.ModelFileCorrupt);

        float[] scales = model.ScaleTable.ToArray();
        (scales[3], scales[4]) = (scales[4], scales[3]);
        LoadFails(Hyperprior().AddFloat32("gaussian_conditional.scale_table", [64], scales).BuildUnchecked(), NicCodecError.ModelFileCorrupt);
    }

    [Fact]
    public void NonFiniteWeightsAreRefused()
    {
        var builder = Hyperprior().AddFloat32("g_s.6.bias", [3], [0f, float.NaN, 0f]);
        LoadFails(builder.BuildUnchecked(), NicCodecError.ModelFileCorrupt);
    }

    [Fact]
    public void CompressaiConstantBuffersAreAcceptedWhenTheyMatch()
    {
        var builder = Hyperprior()
            .AddFloat32("g_a.1.beta_reparam.pedestal", [1], [MathF.Pow(2, -36)])
            .AddFloat32("g_a.1.beta_reparam.lower_bound.bound", [1], [(float)Math.Sqrt(1e-6 + Math.Pow(2, -36))])
            .AddFloat32("g_a.1.gamma_reparam.lower_bound.bound", [1], [MathF.Pow(2, -18)])
            .AddFloat32("entropy_bottleneck.target", [3], [-21.4f, 0f, 21.4f])
            .AddFloat32("gaussian_conditional.scale_bound", [1], [0.11f]);
        NicModelFile model = NicModelFile.Load(builder.Build());
        Assert.True(model.TryGetTensor("gaussian_conditional.scale_bound", out _));

        builder.AddFloat32("g_s.3.gamma_reparam.lower_bound.bound", [1], [1e-3f]);
        LoadFails(builder.BuildUnchecked(), NicCodecError.ModelArchitectureMismatch);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}", 4)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4)]
    [InlineData("{\"__metadata__\":{\"format\":1}}", 0)]
    [InlineData("[1,2,3]", 0)]
    [InlineData("{\"a\":", 0)]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} trailing", 4)]
    public void SafetensorsRulesAreEnforced(string header, int dataLength)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        LoadFails(file, NicCodecError.ModelFileCorrupt);
    }

    [Fact]
    public void EmptyAndTinyFiles()
    {
        LoadFails([], NicCodecError.ModelFileCorrupt);
        LoadFails([1, 0, 0], NicCodecError.ModelFileCorrupt);
        LoadFails([2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}'], NicCodecError.ModelFileCorrupt); // valid safetensors, no model metadata
    }
}
