using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Cli.Tests.Codec;

/// <summary><c>nic encode</c>, <c>decode</c>, <c>models</c> and <c>bench codec</c> end to end on files, with a small model in a --models directory.</summary>
[Collection(LibtorchCollection.Name)]
public sealed class CodecCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-codec-").FullName;
    private readonly string _models;
    private readonly string _modelName;

    public CodecCommandTests()
    {
        _models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        byte[] model = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 5);
        File.WriteAllBytes(Path.Combine(_models, "small.nicm"), model);
        _modelName = NicModelFile.Load(model).Name;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void EncodeThenDecodeRoundTripsAPngWithItsMetadata()
    {
        string input = Path.Combine(_directory, "in.png");
        RgbImage image = Photo(70, 50);
        image.Metadata = new NicMetadata { IccProfile = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(), Xmp = "<x/>"u8.ToArray() };
        ImageFiles.WritePng(input, image);
        string nic = Path.Combine(_directory, "out.nic");
        string png = Path.Combine(_directory, "back.png");

        var encode = CliRunner.Run("encode", input, "-o", nic, "--models", _models, "--model", _modelName, "--json");
        Assert.True(encode.ExitCode == 0, encode.Error);
        using (JsonDocument json = JsonDocument.Parse(encode.Output))
        {
            Assert.Equal(new FileInfo(nic).Length, json.RootElement.GetProperty("bytes").GetInt64());
            Assert.Equal(_modelName, json.RootElement.GetProperty("model").GetString());
            Assert.Equal(new FileInfo(nic).Length * 8.0 / (70 * 50), json.RootElement.GetProperty("bpp").GetDouble(), 9);
        }

        var decode = CliRunner.Run("decode", nic, "-o", png, "--models", _models);
        Assert.True(decode.ExitCode == 0, decode.Error);
        Assert.Contains("70×50", decode.Output);
        RgbImage decoded = ImageFiles.Read(png);
        Assert.Equal((70, 50), (decoded.Width, decoded.Height));
        Assert.Equal(image.Metadata.IccProfile, decoded.Metadata.IccProfile);
        Assert.Equal(image.Metadata.Xmp, decoded.Metadata.Xmp);

        var info = CliRunner.Run("info", nic, "--json");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains(_modelName, info.Output);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpeg")]
    public void IccExifAndXmpComeBackByteForByteThroughEncodeAndDecode(string format)
    {
        RgbImage image = Photo(96, 64);
        var metadata = new NicMetadata { IccProfile = TestImageFiles.Bytes(70_000, 7), Exif = TestImageFiles.Exif(2_000), Xmp = TestImageFiles.Xmp() };
        string input = Path.Combine(_directory, "in." + format);
        if (format == "png")
        {
            image.Metadata = metadata;
            ImageFiles.WritePng(input, image);
        }
        else
        {
            File.WriteAllBytes(input, TestImageFiles.InsertAfterStartOfImage(
                TestImageFiles.Jpeg(image),
                TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), metadata.Exif),
                TestImageFiles.JpegSegmentBytes(0xE1, "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), metadata.Xmp),
                TestImageFiles.IccSegment(metadata.IccProfile[..40_000], 1, 2),
                TestImageFiles.IccSegment(metadata.IccProfile[40_000..], 2, 2)));
        }

        string nic = Path.Combine(_directory, "out.nic");
        string png = Path.Combine(_directory, "back.png");
        var encode = CliRunner.Run("encode", input, "-o", nic, "--models", _models, "--model", _modelName);
        Assert.True(encode.ExitCode == 0, encode.Error);
        var decode = CliRunner.Run("decode", nic, "-o", png, "--models", _models);
        Assert.True(decode.ExitCode == 0, decode.Error);

        foreach (NicMetadata carried in new[] { NicFile.Read(File.ReadAllBytes(nic)).Metadata, ImageFiles.Read(png).Metadata })
        {
            Assert.Equal(metadata.IccProfile, carried.IccProfile);
            Assert.Equal(metadata.Exif, carried.Exif);
            Assert.Equal(metadata.Xmp, carried.Xmp);
        }
    }

    [Fact]
    public void TheTorchBackendWritesTheSameFileAsTheManagedOne()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 64));
        string managed = Path.Combine(_directory, "managed.nic");
        string torch = Path.Combine(_directory, "torch.nic");

        Assert.Equal(0, CliRunner.Run("encode", input, "-o", managed, "--models", _models, "--model", _modelName).ExitCode);
        var run = CliRunner.RunTorch("encode", input, "-o", torch, "--models", _models, "--model", _modelName, "--backend", "torch");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("torch:cpu", run.Output);
        Assert.Equal(File.ReadAllBytes(managed), File.ReadAllBytes(torch));
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("fused")]
    public void AnArithmeticGivenWithTheTorchBackendIsRefusedAndNothingIsWritten(string arithmetic)
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 64));
        string output = Path.Combine(_directory, "out.nic");

        var run = CliRunner.RunTorch("encode", input, "-o", output, "--models", _models, "--model", _modelName, "--backend", "torch", "--arithmetic", arithmetic);

        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains("--arithmetic applies to the managed backend only", run.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TheNicToolSaysWhereTheTorchBackendIsAndNeverLoadsLibtorch()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 64));
        string output = Path.Combine(_directory, "out.nic");

        var run = CliRunner.Run("encode", input, "-o", output, "--models", _models, "--model", _modelName, "--backend", "torch");

        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains("nic-torch", run.Error);
        Assert.Contains("dotnet run --project src/TorchCli", run.Error);
        Assert.False(File.Exists(output));

        // nic.dll references neither Nic.Torch nor TorchSharp: the tool cannot load libtorch, whatever the options.
        string[] references = [.. typeof(NicCommandLine).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        Assert.Contains("Nic.Codec", references);
        Assert.DoesNotContain(references, r => r.StartsWith("TorchSharp", StringComparison.Ordinal) || r == "Nic.Torch");
    }

    [Fact]
    public void OptionErrorsNameTheFlagsAndExitWithOne()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 64));

        var threads = CliRunner.Run("encode", input, "-o", Path.Combine(_directory, "t.nic"), "--threads", "0");
        Assert.Equal(ExitCodes.UsageOrFile, threads.ExitCode);
        Assert.Contains("--threads", threads.Error);
        Assert.DoesNotContain("Parallelism", threads.Error);

        var rows = CliRunner.Run("encode", input, "-o", Path.Combine(_directory, "r.nic"), "--band-rows", "0");
        Assert.Equal(ExitCodes.UsageOrFile, rows.ExitCode);
        Assert.Contains("--band-rows", rows.Error);

        var quality = CliRunner.Run("encode", input, "-o", Path.Combine(_directory, "q.nic"), "--rate-point", "99");
        Assert.Equal(ExitCodes.UsageOrFile, quality.ExitCode);
        Assert.Contains("--rate-point", quality.Error);
        Assert.Contains("1–6", quality.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "q.nic")));

        string missingFolder = Path.Combine(_directory, "no-such-folder");
        var folder = CliRunner.Run("encode", input, "-o", Path.Combine(missingFolder, "x.nic"));
        Assert.Equal(ExitCodes.UsageOrFile, folder.ExitCode);
        Assert.Contains($"'{missingFolder}'", folder.Error);
        Assert.DoesNotContain(".tmp", folder.Error);
    }

    [Fact]
    public void AnUnknownModelExitsWithThreeListingWhatIsAvailableAndWritesNothing()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(20, 20));
        string output = Path.Combine(_directory, "out.nic");
        File.WriteAllText(output, "keep me");

        var run = CliRunner.Run("encode", input, "-o", output, "--models", _models, "--model", "no-such-model");

        Assert.Equal(ExitCodes.ModelUnavailable, run.ExitCode);
        Assert.Contains("UnknownModel", run.Error);
        Assert.Contains(_modelName, run.Error);
        Assert.Equal("keep me", File.ReadAllText(output));
    }

    [Fact]
    public void DecodingWithoutTheModelExitsWithThree()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(20, 20));
        string nic = Path.Combine(_directory, "out.nic");
        Assert.Equal(0, CliRunner.Run("encode", input, "-o", nic, "--models", _models, "--model", _modelName).ExitCode);

        var run = CliRunner.Run("decode", nic, "-o", Path.Combine(_directory, "x.png"));

        Assert.Equal(ExitCodes.ModelUnavailable, run.ExitCode);
        Assert.Contains(_modelName, run.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "x.png")));
    }

    [Fact]
    public void DamagedInputsExitWithTwoAndTheirErrorCode()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(40, 40));
        string nic = Path.Combine(_directory, "out.nic");
        Assert.Equal(0, CliRunner.Run("encode", input, "-o", nic, "--models", _models, "--model", _modelName).ExitCode);
        byte[] bytes = File.ReadAllBytes(nic);
        bytes[^20] ^= 1;
        string damaged = Path.Combine(_directory, "damaged.nic");
        File.WriteAllBytes(damaged, bytes);
        string garbage = Path.Combine(_directory, "garbage.png");
        File.WriteAllBytes(garbage, [1, 2, 3, 4]);

        var decode = CliRunner.Run("decode", damaged, "-o", Path.Combine(_directory, "d.png"), "--models", _models);
        Assert.Equal(ExitCodes.InvalidData, decode.ExitCode);
        Assert.Contains("BadChecksum", decode.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "d.png")));

        var encode = CliRunner.Run("encode", garbage, "-o", Path.Combine(_directory, "g.nic"), "--models", _models, "--model", _modelName);
        Assert.Equal(ExitCodes.InvalidData, encode.ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "g.nic")));

        var missing = CliRunner.Run("encode", Path.Combine(_directory, "none.png"), "-o", Path.Combine(_directory, "n.nic"));
        Assert.Equal(ExitCodes.UsageOrFile, missing.ExitCode);
    }

    [Fact]
    public void DecodeRefusesAFileBeyondItsLimitsWithTwoAndWritesNothing()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(320, 240));
        string nic = Path.Combine(_directory, "out.nic");
        string png = Path.Combine(_directory, "back.png");
        Assert.Equal(0, CliRunner.Run("encode", input, "-o", nic, "--models", _models, "--model", _modelName).ExitCode);

        var pixels = CliRunner.Run("decode", nic, "-o", png, "--models", _models, "--max-pixels", "76799");
        Assert.Equal(ExitCodes.InvalidData, pixels.ExitCode);
        Assert.Contains("ResourceLimitExceeded", pixels.Error);
        Assert.Contains("MaxDecodePixels", pixels.Error);

        var memory = CliRunner.Run("decode", nic, "-o", png, "--models", _models, "--max-memory", "1");
        Assert.Equal(ExitCodes.InvalidData, memory.ExitCode);
        Assert.Contains("MaxDecodeMemoryBytes", memory.Error);
        Assert.False(File.Exists(png));

        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("decode", nic, "-o", png, "--models", _models, "--max-memory", "0").ExitCode);
        var fits = CliRunner.Run("decode", nic, "-o", png, "--models", _models, "--max-pixels", "76800");
        Assert.True(fits.ExitCode == 0, fits.Error);
        Assert.True(File.Exists(png));
    }

    [Fact]
    public void ModelsListsTheDirectoryAndTheShippedDefault()
    {
        var run = CliRunner.Run("models", "--models", _models, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] models = json.RootElement.GetProperty("models").EnumerateArray().ToArray();
        JsonElement small = Assert.Single(models, m => m.GetProperty("name").GetString() == _modelName);
        Assert.Equal(Path.Combine(_models, "small.nicm"), small.GetProperty("path").GetString());
        Assert.Equal("mbt2018-mean", small.GetProperty("architecture").GetString());
        Assert.Contains(models, m => m.GetProperty("name").GetString() == json.RootElement.GetProperty("default").GetString() && m.GetProperty("source").GetString() == "shipped");

        var text = CliRunner.Run("models", "--models", _models);
        Assert.Contains(_modelName, text.Output);
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("models", "--models", Path.Combine(_directory, "nowhere")).ExitCode);
    }

    [Fact]
    public void BenchCodecReportsTheFiguresAsJson()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 48));

        var run = CliRunner.Run("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--threads", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("encode_s").GetDouble() > 0);
        Assert.True(root.GetProperty("decode_s").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("peak_memory_mb").ValueKind);
        Assert.InRange(root.GetProperty("bpp").GetDouble(), 0.01, 64);
        Assert.True(root.GetProperty("psnr_db").GetDouble() > 0);
        Assert.Equal(_modelName, root.GetProperty("model").GetString());
        Assert.Equal("managed-winograd", root.GetProperty("backend").GetString()); // the default arithmetic
        Assert.True(root.GetProperty("fma_peak_gmac_per_s").GetDouble() > 0);
        Assert.True(root.GetProperty("encode_multiply_adds").GetInt64() > root.GetProperty("decode_multiply_adds").GetInt64() / 2);
        Assert.InRange(root.GetProperty("decode_gmac_per_s").GetDouble(), 1e-6, 1e4);
        Assert.InRange(root.GetProperty("encode_share_of_peak").GetDouble(), 1e-9, 1.5);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("peer").ValueKind);

        // The stages, from the codec's activities under each timed round: the encode's in running order and within its
        // time, the decode's opening within the decode's.
        JsonElement stages = root.GetProperty("encode_stages_s");
        Assert.Equal(["nic.analysis", "nic.hyper_analysis", "nic.hyper_synthesis", "nic.bands"], stages.EnumerateObject().Select(p => p.Name));
        Assert.All(stages.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, p.Name));
        Assert.InRange(stages.EnumerateObject().Sum(p => p.Value.GetDouble()), 0, (root.GetProperty("encode_s").GetDouble() * 1.01) + 1e-4);
        Assert.InRange(root.GetProperty("decode_stages_s").GetProperty("nic.open").GetDouble(), 1e-9, (root.GetProperty("decode_s").GetDouble() * 1.01) + 1e-4);
    }

    [Fact]
    public void BenchCodecTimesLibtorchsTransformsInTurnsAndGivesNicsTimeOverTheirs()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 48));

        // No --threads: it would set libtorch's count for this whole test process (LibtorchCollection).
        var run = CliRunner.RunTorch("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--peer", "torch", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement root = json.RootElement;
        JsonElement peer = root.GetProperty("peer");
        Assert.Equal("torch", peer.GetProperty("name").GetString());
        Assert.Equal("torch:cpu", peer.GetProperty("backend").GetString());
        Assert.Equal(root.GetProperty("threads").GetInt32(), peer.GetProperty("threads").GetInt32());
        Assert.Contains("whole frame", peer.GetProperty("measures").GetString());

        // The peer runs the same model: g_s(round(y)) is about as close to the image as Nic's decode (a random model
        // reconstructs poorly, but the same poorly); a peer that ran other weights or lost the image would not be.
        Assert.Equal(root.GetProperty("psnr_db").GetDouble(), peer.GetProperty("psnr_db").GetDouble(), 1.5);
        double encode = root.GetProperty("encode_s").GetDouble(), peerEncode = peer.GetProperty("encode_s").GetDouble();
        double decode = root.GetProperty("decode_s").GetDouble(), peerDecode = peer.GetProperty("decode_s").GetDouble();
        Assert.True(peerEncode > 0 && peerDecode > 0);
        Assert.Equal(encode / peerEncode, peer.GetProperty("encode_ratio").GetDouble(), 0.02 * encode / peerEncode);
        Assert.Equal(decode / peerDecode, peer.GetProperty("decode_ratio").GetDouble(), 0.02 * decode / peerDecode);

        var text = CliRunner.RunTorch("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--peer", "torch");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("peer torch:cpu, libtorch's transforms alone on the whole frame", text.Output);
        Assert.Contains("Nic's whole encode and decode over the peer's transforms: encode ", text.Output);
    }

    [Fact]
    public void BenchCodecRefusesAPeerTheToolDoesNotCarryOrThatIsNotAPeer()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(32, 32));

        var nic = CliRunner.Run("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--peer", "torch");
        Assert.Equal(ExitCodes.UsageOrFile, nic.ExitCode);
        Assert.Contains("nic-torch", nic.Error);
        Assert.Equal("", nic.Output);

        var torchAgainstTorch = CliRunner.RunTorch("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--peer", "torch", "--backend", "torch");
        Assert.Equal(ExitCodes.UsageOrFile, torchAgainstTorch.ExitCode);
        Assert.Contains("leave --backend at managed", torchAgainstTorch.Error);

        var unknown = CliRunner.RunTorch("bench", "codec", input, "--models", _models, "--model", _modelName, "--peer", "pytorch");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("pytorch", unknown.Error);
    }

    [Fact]
    public void BenchCodecMirrorsTheImageToTheAskedSizeAndTakesTheReferenceArithmetic()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(40, 30));

        var run = CliRunner.Run("bench", "codec", input, "--models", _models, "--model", _modelName, "--runs", "1", "--skip-memory", "--threads", "1", "--mirror-to", "100x70", "--arithmetic", "reference", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal((100, 70), (json.RootElement.GetProperty("width").GetInt32(), json.RootElement.GetProperty("height").GetInt32()));
        Assert.Equal("managed", json.RootElement.GetProperty("backend").GetString());
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("bench", "codec", input, "--mirror-to", "100by70").ExitCode);
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("bench", "codec", input, "--mirror-to", "0x70").ExitCode);
    }

    [Fact]
    public void BenchParallelReportsImagesPerSecondForEachTaskCount()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, Photo(64, 48));

        var run = CliRunner.Run("bench", "parallel", input, "--models", _models, "--model", _modelName, "--tasks", "1,3", "--runs", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("identical").GetBoolean());
        JsonElement[] results = [.. root.GetProperty("results").EnumerateArray()];
        Assert.Equal([1, 3], results.Select(r => r.GetProperty("tasks").GetInt32()));
        Assert.Equal([1, 3], results.Select(r => r.GetProperty("round_trips").GetInt32()));
        foreach (JsonElement r in results)
        {
            Assert.Equal(2, r.GetProperty("runs_s").GetArrayLength());
            double expected = r.GetProperty("round_trips").GetInt32() / r.GetProperty("median_s").GetDouble();
            Assert.InRange(r.GetProperty("images_per_s").GetDouble() / expected, 0.99, 1.01);
        }

        var text = CliRunner.Run("bench", "parallel", input, "--models", _models, "--model", _modelName, "--tasks", "2", "--runs", "1");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("images/s", text.Output);
        Assert.Contains("every concurrent round trip gave the sequential file and pixels", text.Output);
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("bench", "parallel", input, "--tasks", "1,x").ExitCode);
    }

    internal static RgbImage Photo(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.GetRow(y)[3 * x] = (byte)(x * 255 / width);
                image.GetRow(y)[(3 * x) + 1] = (byte)(y * 255 / height);
                image.GetRow(y)[(3 * x) + 2] = (byte)((x * y) % 256);
            }
        }

        return image;
    }
}
