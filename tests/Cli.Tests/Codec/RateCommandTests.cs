using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Cli.Tests.Codec;

/// <summary><c>nic encode --quality / --rate-point / --target-*</c> with the shipped variable-rate families, and <c>nic models pack</c>.</summary>
public sealed class RateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-rate-").FullName;
    private readonly string _input;

    /// <summary>The family of the default model, which `--quality` picks when no model is named.</summary>
    private static string DefaultFamily => new NicModelCatalog().Find(NicModelCatalog.DefaultModelName).Family;

    public RateCommandTests()
    {
        _input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(_input, CodecCommandTests.Photo(96, 64));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AQualityBetweenTrainedPointsCodesAtItsRatePosition()
    {
        string nic = Path.Combine(_directory, "q60.nic");
        var run = CliRunner.Run("encode", _input, "-o", nic, "--quality", "60", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(DefaultFamily, json.RootElement.GetProperty("model").GetString());
        double position = json.RootElement.GetProperty("rate_position").GetDouble();
        Assert.Equal(NicFile.Read(File.ReadAllBytes(nic)).Header.RateParameter, position);
        Assert.Equal(60, json.RootElement.GetProperty("quality").GetDouble(), 0.5);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("target").ValueKind);

        var decode = CliRunner.Run("decode", nic, "-o", Path.Combine(_directory, "q60.png"));
        Assert.True(decode.ExitCode == 0, decode.Error);
    }

    [Fact]
    public void AQualityThatFallsOnATrainedPointNamesThePointAndHasNoRatePosition()
    {
        var run = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "q4.nic"), "--quality", "52.3", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(DefaultFamily + "-q4", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rate_position").ValueKind);
    }

    [Fact]
    public void ASizeTargetIsMetAndTheResultSaysHowManyEncodesItTook()
    {
        string nic = Path.Combine(_directory, "t.nic");
        var run = CliRunner.Run("encode", _input, "-o", nic, "--target-size", "1500", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement target = json.RootElement.GetProperty("target");
        Assert.Equal("bytes", target.GetProperty("kind").GetString());
        Assert.True(target.GetProperty("met").GetBoolean());
        Assert.InRange(target.GetProperty("encodes").GetInt32(), 3, 12);
        Assert.InRange(new FileInfo(nic).Length, 1455, 1500);

        var text = CliRunner.Run("encode", _input, "-o", nic, "--target-psnr", "90");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("target ≥ 90 dB: NOT met", text.Output);
    }

    [Theory]
    [InlineData("--quality", "150", "--quality")]
    [InlineData("--quality", "-3", "--quality")]
    [InlineData("--target-size", "0", "--target-size")]
    public void OutOfRangeRateOptionsExitWithOne(string flag, string value, string named)
    {
        var run = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "x.nic"), flag, value);
        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains(named, run.Error);
        Assert.False(File.Exists(Path.Combine(_directory, "x.nic")));
    }

    [Fact]
    public void TwoWaysOfChoosingTheRateAreRefused()
    {
        var run = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "x.nic"), "--quality", "50", "--target-bpp", "0.5");
        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains("--quality and --target-bpp", run.Error);
    }

    [Fact]
    public void AQualityBeyondTheFamilysTrainedRangeSaysSo()
    {
        var run = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "hi.nic"), "--quality", "95", "--model", "nic-bmshj2018-hyperprior");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("above what family 'nic-bmshj2018-hyperprior' was trained for", run.Error);
        Assert.Contains("nic-bmshj2018-hyperprior-q6", run.Output);
    }

    [Fact]
    public void PackBuildsAFamilyFileThatTheCatalogUses()
    {
        byte[][] points = ModelFactory.CreateRandomFamilyPoints(ModelArchitectureKind.Mbt2018Mean, 8, 12, 3, "cli-family", [0.003, 0.02]);
        string[] paths = [.. points.Select((p, i) => Path.Combine(_directory, $"p{i}.nicm"))];
        for (int i = 0; i < points.Length; i++)
        {
            File.WriteAllBytes(paths[i], points[i]);
        }

        string models = Directory.CreateDirectory(Path.Combine(_directory, "family")).FullName;
        var pack = CliRunner.Run(["models", "pack", "--family", "cli-family", "-o", Path.Combine(models, "cli-family.nicm"), .. paths]);
        Assert.True(pack.ExitCode == 0, pack.Error);
        Assert.Contains("2 points", pack.Output);
        var list = CliRunner.Run("models", "--models", models, "--json");
        Assert.Contains("cli-family-q1", list.Output);
        var encode = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "f.nic"), "--models", models, "--model", "cli-family", "--quality", "20");
        Assert.True(encode.ExitCode == 0, encode.Error);
        Assert.Contains("rate position", encode.Output);

        var wrong = CliRunner.Run(["models", "pack", "--family", "other", "-o", Path.Combine(_directory, "bad.nicm"), .. paths]);
        Assert.Equal(ExitCodes.UsageOrFile, wrong.ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "bad.nicm")));
    }
}
