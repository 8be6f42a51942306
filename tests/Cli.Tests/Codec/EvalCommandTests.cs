using System.Text.Json;
using Nic.Cli.Commands;
using Nic.Cli.Eval;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// <c>nic eval</c> on folders of small generated images (splits) with a two-rate-point family and, where installed, JPEG;
/// and the standard splits of <c>--splits</c>.
/// </summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-eval-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ThePlotsRateAxisEndsAtTwiceTheHighestNicRateUnlessAskedOtherwise()
    {
        static RdCurve Curve(string name, string kind, params double[] rates) =>
            new(name, kind, [.. rates.Select((r, i) => new RdCurvePoint(i + 1, null, [new RdMeasurement("a.png", 100, r, 30 + i, 0, 0)]))]);

        RdCurve nic = Curve("nic-x", "nic", 0.05, 0.1, 0.3);
        RdCurve jpeg = Curve("jpeg", "classical", 0.07, 0.2, 0.6, 1.5);

        Assert.Equal(0.6, EvalCommand.PlotRateLimit([nic, jpeg], requested: null)!.Value, 12);
        Assert.Null(EvalCommand.PlotRateLimit([nic, Curve("webp", "classical", 0.1, 0.5)], requested: null));
        Assert.Null(EvalCommand.PlotRateLimit([jpeg], requested: null));
        Assert.Null(EvalCommand.PlotRateLimit([nic, jpeg], requested: 0));
        Assert.Equal(1.0, EvalCommand.PlotRateLimit([nic, jpeg], requested: 1.0));
    }

    [Fact]
    public void EvalMeasuresEveryImageAtEveryRatePointAndWritesThePlot()
    {
        string models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        for (int ratePoint = 1; ratePoint <= 2; ratePoint++)
        {
            File.WriteAllBytes(Path.Combine(models, $"q{ratePoint}.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, ratePoint, $"test-family-q{ratePoint}", ratePoint, "test-family"));
        }

        string images = Directory.CreateDirectory(Path.Combine(_directory, "images")).FullName;
        ImageFiles.WritePng(Path.Combine(images, "a.png"), Gradient(48, 40));
        ImageFiles.WritePng(Path.Combine(images, "b.png"), Gradient(30, 70));
        File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image");
        string plot = Path.Combine(_directory, "rd.png");
        string codecs = ClassicalCodecs.Jpeg.IsAvailable ? "jpeg" : "none";

        var run = CliRunner.Run("eval", images, "--models", models, "--model", "test-family", "--codecs", codecs, "--json", "--plot", plot, "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement json = Assert.Single(document.RootElement.GetProperty("splits").EnumerateArray());
        Assert.Equal("images", json.GetProperty("name").GetString());
        Assert.Equal(1, json.GetProperty("downscale").GetInt32());
        Assert.Equal(2, json.GetProperty("images").GetArrayLength());
        JsonElement[] curves = json.GetProperty("curves").EnumerateArray().ToArray();
        JsonElement nic = Assert.Single(curves, c => c.GetProperty("kind").GetString() == "nic");
        Assert.Equal("test-family", nic.GetProperty("name").GetString());
        JsonElement[] points = nic.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal([1, 2], points.Select(p => p.GetProperty("rate_point").GetInt32()));
        foreach (JsonElement point in points)
        {
            JsonElement[] perImage = point.GetProperty("images").EnumerateArray().ToArray();
            Assert.Equal(["a.png", "b.png"], perImage.Select(i => i.GetProperty("image").GetString()));
            Assert.Equal(perImage.Average(i => i.GetProperty("bpp").GetDouble()), point.GetProperty("mean_bpp").GetDouble(), 4);
        }

        if (codecs == "jpeg")
        {
            Assert.Contains(curves, c => c.GetProperty("name").GetString() == "jpeg" && c.GetProperty("points").GetArrayLength() == ClassicalCodecs.Jpeg.DefaultQualities.Count);
            JsonElement bd = Assert.Single(json.GetProperty("bd_rate").EnumerateArray());
            Assert.Equal("jpeg", bd.GetProperty("anchor").GetString());
        }

        RgbImage picture = ImageFiles.Read(plot);
        Assert.Equal((RdPlot.Width, RdPlot.Height), (picture.Width, picture.Height));
    }

    [Fact]
    public void QualitiesEvaluateAVariableRateFamilyBetweenItsTrainedPoints()
    {
        string models = Directory.CreateDirectory(Path.Combine(_directory, "family")).FullName;
        byte[][] points = ModelFactory.CreateRandomFamilyPoints(ModelArchitectureKind.Mbt2018Mean, 8, 12, 4, "eval-family", [0.002, 0.05]);
        File.WriteAllBytes(Path.Combine(models, "eval-family.nicm"), NicModelFamilyBuilder.Build("eval-family", [.. points.Select(p => (ReadOnlyMemory<byte>)p)]));
        string images = Directory.CreateDirectory(Path.Combine(_directory, "q-images")).FullName;
        ImageFiles.WritePng(Path.Combine(images, "a.png"), Gradient(48, 40));

        var run = CliRunner.Run("eval", images, "--models", models, "--model", "eval-family", "--qualities", "10,30.5,70", "--codecs", "none", "--json", "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement nic = Assert.Single(Assert.Single(document.RootElement.GetProperty("splits").EnumerateArray()).GetProperty("curves").EnumerateArray());
        JsonElement[] measured = nic.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal([10, 30.5, 70], measured.Select(p => p.GetProperty("nic_quality").GetDouble()));
        Assert.All(measured, p => Assert.False(p.TryGetProperty("rate_point", out _)));
        Assert.Equal(["eval-family q10", "eval-family q30.5", "eval-family q70"], measured.Select(p => p.GetProperty("model").GetString()));

        var bad = CliRunner.Run("eval", images, "--models", models, "--qualities", "120", "--codecs", "none");
        Assert.Equal(ExitCodes.UsageOrFile, bad.ExitCode);
        Assert.Contains("--qualities", bad.Error);
    }

    [Fact]
    public void SeveralFoldersAreSeveralSplitsEachWithItsOwnFiguresAndPlot()
    {
        string models = WriteFamily();
        string smooth = Directory.CreateDirectory(Path.Combine(_directory, "smooth")).FullName;
        string busy = Directory.CreateDirectory(Path.Combine(_directory, "busy")).FullName;
        ImageFiles.WritePng(Path.Combine(smooth, "a.png"), Gradient(48, 40));
        ImageFiles.WritePng(Path.Combine(busy, "b.png"), Noise(40, 32, seed: 1));
        ImageFiles.WritePng(Path.Combine(busy, "c.png"), Noise(24, 36, seed: 2));
        string plot = Path.Combine(_directory, "rd.png");

        var run = CliRunner.Run("eval", smooth, busy, "--models", models, "--model", "test-family", "--codecs", "none", "--json", "--plot", plot, "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement[] splits = document.RootElement.GetProperty("splits").EnumerateArray().ToArray();
        Assert.Equal(["smooth", "busy"], splits.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([smooth, busy], splits.Select(s => s.GetProperty("directory").GetString()));
        Assert.Equal(["a.png"], splits[0].GetProperty("images").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(["b.png", "c.png"], splits[1].GetProperty("images").EnumerateArray().Select(i => i.GetProperty("name").GetString()));

        // Each split's curve is over its own images only: noise costs far more bits than a gradient.
        double[] meanBpp = [.. splits.Select(s => Assert.Single(s.GetProperty("curves").EnumerateArray()).GetProperty("points")[1].GetProperty("mean_bpp").GetDouble())];
        Assert.True(meanBpp[1] > 2 * meanBpp[0], $"busy {meanBpp[1]} bpp against smooth {meanBpp[0]} bpp");
        foreach (JsonElement point in splits[1].GetProperty("curves")[0].GetProperty("points").EnumerateArray())
        {
            Assert.Equal(["b.png", "c.png"], point.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("image").GetString()));
        }

        Assert.False(File.Exists(plot));
        foreach (string name in new[] { "smooth", "busy" })
        {
            RgbImage picture = ImageFiles.Read(Path.Combine(_directory, $"rd-{name}.png"));
            Assert.Equal((RdPlot.Width, RdPlot.Height), (picture.Width, picture.Height));
        }

        var text = CliRunner.Run("eval", smooth, busy, "--models", models, "--model", "test-family", "--codecs", "none", "--threads", "1");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains($"split smooth ({smooth}), 1 image(s): a.png 48×40", text.Output);
        Assert.Contains($"split busy ({busy}), 2 image(s): b.png 40×32, c.png 24×36", text.Output);
    }

    [Fact]
    public void TheStandardSplitsAreReadFromTheDataFolderEachAtItsOwnDownscale()
    {
        string models = WriteFamily();
        string data = Directory.CreateDirectory(Path.Combine(_directory, "photos")).FullName;
        string validation = Directory.CreateDirectory(Path.Combine(data, "validation")).FullName;
        string textured = Directory.CreateDirectory(Path.Combine(data, "textured")).FullName;
        ImageFiles.WritePng(Path.Combine(validation, "v.png"), Gradient(64, 48));
        ImageFiles.WritePng(Path.Combine(textured, "t.png"), Noise(40, 30, seed: 3));

        var run = CliRunner.Run("eval", "--splits", "textured,validation", "--data", data, "--models", models, "--model", "test-family", "--codecs", "none", "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        int texturedAt = run.Output.IndexOf($"split textured ({textured}), 1 image(s): t.png 40×30", StringComparison.Ordinal);
        int validationAt = run.Output.IndexOf($"split validation ({validation}, downscaled 2×), 1 image(s): v.png 32×24", StringComparison.Ordinal);
        Assert.True(texturedAt >= 0 && validationAt > texturedAt, run.Output);

        var all = CliRunner.Run("eval", "--splits", "all", "--data", data, "--models", models, "--model", "test-family", "--codecs", "none", "--threads", "1", "--json");
        Assert.True(all.ExitCode == 0, all.Error);
        using JsonDocument document = JsonDocument.Parse(all.Output);
        JsonElement[] splits = document.RootElement.GetProperty("splits").EnumerateArray().ToArray();
        Assert.Equal(["validation", "textured"], splits.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([2, 1], splits.Select(s => s.GetProperty("downscale").GetInt32()));
        Assert.Equal(32, splits[0].GetProperty("images")[0].GetProperty("width").GetInt32());
    }

    [Theory]
    [InlineData("unknown split 'smooth'", "--splits", "validation,smooth")]
    [InlineData("named twice", "--splits", "textured,textured")]
    [InlineData("own downscale", "--splits", "textured", "--downscale", "2")]
    [InlineData("either folders or --splits", "--splits", "textured", "FOLDER")]
    [InlineData("one or more folders", "--json")]
    [InlineData("--data is where --splits", "FOLDER", "--data", "FOLDER")]
    [InlineData("two folders are named 'images'", "FOLDER", "OTHER")]
    [InlineData("run scripts/fetch-data.sh", "--splits", "validation", "--data", "FOLDER")]
    public void SplitsThatCannotBeToldApartOrFoundAreUsageErrors(string message, params string[] arguments)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_directory, "images")).FullName;
        string other = Directory.CreateDirectory(Path.Combine(_directory, "other", "images")).FullName;
        ImageFiles.WritePng(Path.Combine(folder, "a.png"), Gradient(16, 16));
        ImageFiles.WritePng(Path.Combine(other, "a.png"), Gradient(16, 16));
        string[] args = ["eval", .. arguments.Select(a => a switch { "FOLDER" => folder, "OTHER" => other, _ => a }), "--codecs", "none"];

        var run = CliRunner.Run(args);

        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains(message, run.Error);
        Assert.Equal("", run.Output);
    }

    /// <summary>
    /// <c>--crop N</c> evaluates the centre N×N pixels of each image (a side already shorter is kept), says so in the
    /// text and the JSON, and the crop's pixels are the image's own.
    /// </summary>
    [Fact]
    public void CropEvaluatesTheCentreOfEveryImage()
    {
        string models = WriteFamily();
        string images = Directory.CreateDirectory(Path.Combine(_directory, "crop")).FullName;
        ImageFiles.WritePng(Path.Combine(images, "wide.png"), Noise(70, 20, seed: 4));
        ImageFiles.WritePng(Path.Combine(images, "big.png"), Noise(50, 45, seed: 5));

        var run = CliRunner.Run("eval", images, "--models", models, "--model", "test-family", "--codecs", "none", "--crop", "32", "--json", "--threads", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        JsonElement split = Assert.Single(document.RootElement.GetProperty("splits").EnumerateArray());
        Assert.Equal(32, split.GetProperty("crop").GetInt32());
        Assert.Equal(
            [("big.png", 32, 32), ("wide.png", 32, 20)],
            split.GetProperty("images").EnumerateArray().Select(i => (i.GetProperty("name").GetString(), i.GetProperty("width").GetInt32(), i.GetProperty("height").GetInt32())));

        RgbImage big = Noise(50, 45, seed: 5);
        RgbImage cropped = EvalImage.CentreCrop(big, 32);
        Assert.Equal(big.GetRow(6 + 5).Slice(9 * 3, 32 * 3).ToArray(), cropped.GetRow(5).ToArray());
        Assert.Same(big, EvalImage.CentreCrop(big, 64));
        Assert.Same(big, EvalImage.CentreCrop(big, null));

        var text = CliRunner.Run("eval", images, "--models", models, "--model", "test-family", "--codecs", "none", "--crop", "32", "--threads", "1");
        Assert.Contains("centre 32×32 crops", text.Output);
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("eval", images, "--codecs", "none", "--crop", "8").ExitCode);
    }

    [Fact]
    public void AnEmptyFolderOrAnUnknownCodecIsAnError()
    {
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("eval", _directory, "--codecs", "none").ExitCode);
        var unknown = CliRunner.Run("eval", _directory, "--codecs", "bpg");
        Assert.Equal(ExitCodes.UsageOrFile, unknown.ExitCode);
        Assert.Contains("unknown codec 'bpg'", unknown.Error);
    }

    private string WriteFamily()
    {
        string models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        for (int ratePoint = 1; ratePoint <= 2; ratePoint++)
        {
            File.WriteAllBytes(Path.Combine(models, $"q{ratePoint}.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, ratePoint, $"test-family-q{ratePoint}", ratePoint, "test-family"));
        }

        return models;
    }

    private static RgbImage Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            random.NextBytes(image.GetRow(y));
        }

        return image;
    }

    private static RgbImage Gradient(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                Span<byte> row = image.GetRow(y);
                row[3 * x] = (byte)(x * 5);
                row[(3 * x) + 1] = (byte)(y * 3);
                row[(3 * x) + 2] = (byte)(128 + ((x ^ y) & 31));
            }
        }

        return image;
    }
}
