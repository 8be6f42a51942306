using System.Security.Cryptography;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Tests.Models;

public class ModelFileRoundTripTests
{
    public static TheoryData<ModelArchitectureKind, int, int> Architectures => new()
    {
        { ModelArchitectureKind.Bmshj2018Factorized, 8, 12 },
        { ModelArchitectureKind.Bmshj2018Hyperprior, 8, 12 },
        { ModelArchitectureKind.Mbt2018Mean, 8, 12 },
        { ModelArchitectureKind.TfcMnist, 0, 50 },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void RandomModelRoundTripsBitExactly(ModelArchitectureKind kind, int n, int m)
    {
        NicModelFileBuilder builder = ModelFactory.CreateRandomBuilder(kind, ModelFactory.HyperParametersFor(kind, n, m), seed: 7);
        builder.SetMetadata("training", "{\"steps\": 10}");
        builder.SetMetadata("x-unknown", "kept");
        byte[] bytes = builder.Build();
        NicModelFile model = NicModelFile.Load(bytes);

        Assert.Equal(kind, model.Architecture.Kind);
        Assert.Equal(builder.Name, model.Name);
        Assert.Equal(builder.HyperParameters, model.HyperParameters);
        Assert.Equal(builder.Lambda, model.Lambda);
        Assert.Equal(4, model.RatePoint);
        Assert.Equal(kind == ModelArchitectureKind.TfcMnist ? ModelDistortion.Mae : ModelDistortion.Mse, model.Distortion);
        Assert.Equal("kept", model.Metadata["x-unknown"]);
        Assert.Equal("{\"steps\": 10}", model.Metadata["training"]);
        Assert.Equal(SHA256.HashData(bytes), model.Sha256.ToArray());
        Assert.Equal(new NicModelId(builder.Name, SHA256.HashData(bytes)), model.Id);

        var required = model.Architecture.GetTensors(model.HyperParameters).Where(s => s.Required).Select(s => s.Name).ToArray();
        Assert.Equal(required, model.TensorNames);

        // Rebuilding from the loaded tensors gives the same bytes: every tensor and metadata value survived exactly.
        var copy = new NicModelFileBuilder(kind, model.Name, model.HyperParameters) { Lambda = model.Lambda, RatePoint = model.RatePoint, Distortion = model.Distortion };
        copy.SetMetadata("training", model.Metadata["training"]).SetMetadata("x-unknown", "kept").SetMetadata("description", model.Metadata["description"]);
        foreach (string name in model.TensorNames)
        {
            ModelTensor tensor = model.GetTensor(name);
            int[] shape = [.. tensor.Shape];
            if (tensor.ElementType == ModelTensorType.Int32)
            {
                copy.AddInt32(name, shape, tensor.Int32Data.Span);
            }
            else
            {
                copy.AddFloat32(name, shape, tensor.Float32Data.Span);
            }
        }

        Assert.Equal(bytes, copy.Build());
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void TablesAreExposedAsTheyWereWritten(ModelArchitectureKind kind, int n, int m)
    {
        NicModelFile model = ModelFactory.LoadRandom(kind, n, m, seed: 3);
        if (kind == ModelArchitectureKind.TfcMnist)
        {
            Assert.Null(model.EntropyBottleneckTables);
            Assert.Equal(m, model.PriorTables!.Count);
            CheckTables(model, "prior.", model.PriorTables);
            return;
        }

        int channels = model.Architecture.EntropyBottleneckChannels(model.HyperParameters);
        Assert.Equal(channels, model.EntropyBottleneckTables!.Count);
        Assert.Equal(channels, model.EntropyBottleneckMedians.Length);
        ReadOnlySpan<float> quantiles = model.GetFloat32("entropy_bottleneck.quantiles").Span;
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(quantiles[(3 * c) + 1], model.EntropyBottleneckMedians.Span[c]);
        }

        CheckTables(model, "entropy_bottleneck.", model.EntropyBottleneckTables);
        if (model.Architecture.HasGaussianConditional)
        {
            Assert.Equal(64, model.ScaleTable.Length);
            Assert.Equal(0.11f, model.ScaleTable.Span[0]);
            Assert.Equal(256f, model.ScaleTable.Span[63]);
            Assert.Equal(64, model.GaussianConditionalTables!.Count);
            CheckTables(model, "gaussian_conditional.", model.GaussianConditionalTables);
        }
        else
        {
            Assert.Null(model.GaussianConditionalTables);
        }
    }

    private static void CheckTables(NicModelFile model, string prefix, Nic.Codec.Entropy.QuantizedCdfTables tables)
    {
        ModelTensor cdf = model.GetTensor(prefix + "_quantized_cdf");
        int maxLength = cdf.Shape[1];
        for (int t = 0; t < tables.Count; t++)
        {
            int length = model.GetInt32(prefix + "_cdf_length").Span[t];
            Assert.Equal(cdf.Int32Data.Span.Slice(t * maxLength, length).ToArray(), tables.GetCdf(t).ToArray());
            Assert.Equal(model.GetInt32(prefix + "_offset").Span[t], tables.GetOffset(t));
        }
    }

    [Fact]
    public void Float16TensorsWidenExactly()
    {
        var builder = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.TfcMnist, ModelHyperParameters.ForMnist(4), seed: 1);
        Half[] halves = [(Half)0.5, Half.Epsilon, (Half)(-65504), (Half)1.0009765625, (Half)0, (Half)(-0.0)];
        var data = new Half[20];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = halves[i % halves.Length];
        }

        builder.AddFloat16("analysis.0.bias", [20], data);
        NicModelFile model = NicModelFile.Load(builder.Build());
        ModelTensor tensor = model.GetTensor("analysis.0.bias");
        Assert.Equal(ModelTensorType.Float32, tensor.ElementType);
        for (int i = 0; i < data.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits((float)data[i]), BitConverter.SingleToInt32Bits(tensor.Float32Data.Span[i]));
        }

        Assert.Equal(5.9604645E-08f, tensor.Float32Data.Span[1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void EveryHalfWidensAsHalfToSingleDoes(int offset)
    {
        // All 65,536 bit patterns, from an odd start too, so that the eight-at-a-time loop and the scalar tail both run.
        var bytes = new byte[2 * (65536 + offset)];
        for (int h = 0; h < 65536; h++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(2 * (h + offset)), (ushort)h);
        }

        var singles = new float[65536 + offset];
        ModelFileParser.HalvesToSingles(bytes, singles);
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h), found = singles[h + offset];
            if (float.IsFinite(expected))
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(found), $"half 0x{h:x4}: {found} (0x{BitConverter.SingleToInt32Bits(found):x8}), expected {expected} (0x{BitConverter.SingleToInt32Bits(expected):x8})");
            }
            else
            {
                Assert.True(float.IsNaN(expected) ? float.IsNaN(found) : expected == found, $"half 0x{h:x4}: {found}, expected {expected}");
            }
        }
    }

    [Theory]
    [InlineData(0, -1, false)]
    [InlineData(7, -1, true)]
    [InlineData(8, -1, false)]
    [InlineData(15, -1, true)]
    [InlineData(16, -1, false)]
    [InlineData(19, -1, true)]
    [InlineData(3, 5, false)]
    [InlineData(9, 17, true)]
    public void ANonFiniteWeightAnywhereInATensorIsRefused(int index, int later, bool half)
    {
        // 20 elements: two vectors of eight and a tail of four, in both stored precisions; the error names the first
        // non-finite element when there are two.
        var builder = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.TfcMnist, ModelHyperParameters.ForMnist(4), seed: 1);
        if (half)
        {
            var data = new Half[20];
            data[index] = Half.NegativeInfinity;
            if (later >= 0)
            {
                data[later] = Half.NaN;
            }

            builder.AddFloat16("analysis.0.bias", [20], data);
        }
        else
        {
            var data = new float[20];
            data[index] = float.NaN;
            if (later >= 0)
            {
                data[later] = float.PositiveInfinity;
            }

            builder.AddFloat32("analysis.0.bias", [20], data);
        }

        NicCodecException e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(builder.BuildUnchecked()));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.Contains($"element {index} is", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATensorDecodedBeforeIsTakenOnlyForTheSameBytes()
    {
        var builder = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.TfcMnist, ModelHyperParameters.ForMnist(4), seed: 1);
        Half[] data = [.. Enumerable.Range(0, 20).Select(i => (Half)(i * 0.25))];
        byte[] file = builder.AddFloat16("analysis.0.bias", [20], data).Build();
        byte[] stored = [.. data.SelectMany(h => BitConverter.GetBytes(h))];
        ModelTensor earlier = NicModelFile.Load(file).GetTensor("analysis.0.bias");

        ModelTensor Loaded(byte[] bytes, SafetensorsDataType type, int[] shape)
        {
            var decoded = new Dictionary<string, ModelFileParser.DecodedTensor>
            {
                ["analysis.0.bias"] = new(new SafetensorsWriter.Tensor("analysis.0.bias", type, shape, bytes), earlier),
            };
            return ModelFileParser.Parse(file, decoded).Tensors["analysis.0.bias"];
        }

        Assert.Same(earlier, Loaded(stored, SafetensorsDataType.F16, [20]));
        byte[] other = (byte[])stored.Clone();
        other[^1] ^= 1;
        Assert.NotSame(earlier, Loaded(other, SafetensorsDataType.F16, [20]));
        Assert.NotSame(earlier, Loaded(stored, SafetensorsDataType.F16, [4, 5]));
        Assert.NotSame(earlier, Loaded([.. stored, .. stored], SafetensorsDataType.F32, [20]));
        Assert.Equal(earlier.Float32Data.ToArray(), Loaded(other, SafetensorsDataType.F16, [20]).Float32Data.ToArray());
    }

    [Fact]
    public void WriterLayoutFollowsTheSpec()
    {
        byte[] bytes = ModelFactory.CreateRandom(ModelArchitectureKind.TfcMnist, 0, 3, seed: 2);
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, headerLength % 8);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{\"__metadata__\":{", header, StringComparison.Ordinal);
        Assert.EndsWith("}", header.TrimEnd(' '), StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(header);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).Skip(1).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        long previous = 0;
        foreach (string name in names)
        {
            var offsets = json.RootElement.GetProperty(name).GetProperty("data_offsets");
            Assert.Equal(previous, offsets[0].GetInt64());
            previous = offsets[1].GetInt64();
        }

        Assert.Equal(bytes.Length - 8 - (long)headerLength, previous);
    }

    [Fact]
    public async Task PathStreamAndMemoryLoadsAgreeAndSaveIsAtomic()
    {
        string folder = Directory.CreateTempSubdirectory("nic-model-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.safetensors");
            File.WriteAllText(path, "old");
            var builder = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.Bmshj2018Hyperprior, ModelHyperParameters.ForChannels(4, 6), seed: 5);
            builder.Save(path);
            Assert.Single(Directory.GetFiles(folder));
            byte[] bytes = File.ReadAllBytes(path);
            NicModelFile fromPath = NicModelFile.Load(path);
            NicModelFile fromMemory = NicModelFile.Load(bytes);
            await using var stream = new NonSeekableStream(bytes);
            NicModelFile fromStream = await NicModelFile.LoadAsync(stream);
            Assert.Equal(fromMemory.Id, fromPath.Id);
            Assert.Equal(fromMemory.Id, fromStream.Id);

            var missing = Assert.Throws<NicCodecException>(() => NicModelFile.Load(Path.Combine(folder, "absent.safetensors")));
            Assert.Equal(NicCodecError.ModelNotFound, missing.Error);
            var tooLong = Assert.Throws<NicCodecException>(() => NicModelFile.Load(path, maxLength: bytes.Length - 1));
            Assert.Equal(NicCodecError.ModelFileCorrupt, tooLong.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void VerifyIdentityRefusesAnotherHashOrName()
    {
        NicModelFile model = ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 5, seed: 9);
        model.VerifyIdentity(new NicModelId(model.Name, model.Sha256));

        byte[] other = model.Sha256.ToArray();
        other[31] ^= 1;
        var e = Assert.Throws<NicCodecException>(() => model.VerifyIdentity(new NicModelId(model.Name, other)));
        Assert.Equal(NicCodecError.ModelHashMismatch, e.Error);
        Assert.Equal("ModelHashMismatch", e.ErrorCode);
        e = Assert.Throws<NicCodecException>(() => model.VerifyIdentity(new NicModelId("another-model", model.Sha256)));
        Assert.Equal(NicCodecError.ModelHashMismatch, e.Error);
    }

    [Fact]
    public void FactoryIsDeterministic()
    {
        Assert.Equal(
            ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 4, 6, seed: 11),
            ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 4, 6, seed: 11));
        Assert.NotEqual(
            ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 4, 6, seed: 11),
            ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 4, 6, seed: 12));
    }
}
