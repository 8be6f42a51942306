using System.Text.Json;
using Nic.Cli.Commands;
using Nic.Cli.Eval;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;

namespace Nic.Cli.Tests.Codec;

/// <summary><c>nic eval</c> on a folder of two images with a two-rate-point family and, where installed, JPEG.</summary>
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
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(2, json.RootElement.GetProperty("images").GetArrayLength());
        JsonElement[] curves = json.RootElement.GetProperty("curves").EnumerateArray().ToArray();
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
            JsonElement bd = Assert.Single(json.RootElement.GetProperty("bd_rate").EnumerateArray());
            Assert.Equal("jpeg", bd.GetProperty("anchor").GetString());
        }

        RgbImage picture = ImageFiles.Read(plot);
        Assert.Equal((RdPlot.Width, RdPlot.Height), (picture.Width, picture.Height));
    }

    [Fact]
    public void AnEmptyFolderOrAnUnknownCodecIsAnError()
    {
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("eval", _directory, "--codecs", "none").ExitCode);
        var unknown = CliRunner.Run("eval", _directory, "--codecs", "bpg");
        Assert.Equal(ExitCodes.UsageOrFile, unknown.ExitCode);
        Assert.Contains("unknown codec 'bpg'", unknown.Error);
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
