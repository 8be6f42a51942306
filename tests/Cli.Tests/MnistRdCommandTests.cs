using System.Buffers.Binary;
using System.Text.Json;
using Nic.Cli.Eval;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Torch.Training;

namespace Nic.Cli.Tests;

/// <summary>
/// <c>nic-torch mnist-rd</c> on 300 real digits (the committed subset written as an IDX test file) and two random
/// tfc-mnist models at different λ: one row per model in λ order with real compressed sizes, the plot, and the errors.
/// </summary>
[Collection(LibtorchCollection.Name)]
public sealed class MnistRdCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-mnist-rd-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void EveryModelCompressesTheTestDigitsForRealInLambdaOrder()
    {
        string data = WriteTestDigits();
        string high = WriteModel("high.nicm", lambda: 4000, seed: 3);
        string low = WriteModel("low.nicm", lambda: 300, seed: 4);
        string plot = Path.Combine(_directory, "rd.png");

        (int code, string stdout, string stderr) = CliRunner.RunTorch("mnist-rd", high, low, "--data", data, "--plot", plot, "--json");

        Assert.True(code == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement[] points = [.. document.RootElement.GetProperty("points").EnumerateArray()];
        Assert.Equal(["low.nicm", "high.nicm"], points.Select(p => p.GetProperty("model").GetString()));
        Assert.Equal([300.0, 4000.0], points.Select(p => p.GetProperty("lambda").GetDouble()));
        foreach (JsonElement point in points)
        {
            Assert.Equal(300, point.GetProperty("test_digits").GetInt32());
            double bits = point.GetProperty("bits_per_digit").GetDouble();
            double information = point.GetProperty("information_bits_per_digit").GetDouble();
            Assert.True(bits >= information && bits <= information + 40, $"{bits} bits per digit for {information} bits of information");
            double chained = point.GetProperty("chained_bits_per_digit").GetDouble();
            Assert.True(chained < bits && chained >= information - 1 && chained <= information + 1, $"one stream: {chained} bits per digit, strings {bits}, information {information}");
            Assert.InRange(point.GetProperty("mae_8bit").GetDouble(), 0, 1);
        }

        RgbImage picture = ImageFiles.Read(plot);
        Assert.Equal((RdPlot.Width, RdPlot.Height), (picture.Width, picture.Height));

        (code, stdout, _) = CliRunner.RunTorch("mnist-rd", low, "--data", data);
        Assert.Equal(0, code);
        Assert.Contains("low.nicm", stdout);
        Assert.Contains("300 test digits each", stdout);
    }

    [Fact]
    public void AnImageModelOrAMissingTestFileIsRefused()
    {
        string image = Path.Combine(_directory, "image.nicm");
        File.WriteAllBytes(image, ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 1));
        (int code, _, string stderr) = CliRunner.RunTorch("mnist-rd", image, "--data", WriteTestDigits());
        Assert.Equal(ExitCodes.UsageOrFile, code);
        Assert.Contains("not tfc-mnist", stderr);

        (code, _, stderr) = CliRunner.RunTorch("mnist-rd", WriteModel("m.nicm", 2000, 5), "--data", Path.Combine(_directory, "none"));
        Assert.Equal(ExitCodes.UsageOrFile, code);
        Assert.Contains("error:", stderr);
    }

    private string WriteModel(string name, double lambda, int seed)
    {
        NicModelFileBuilder builder = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.TfcMnist, ModelHyperParameters.ForMnist(50), seed);
        builder.Lambda = lambda;
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, builder.Build());
        return path;
    }

    /// <summary>tests/data/digits/mnist-300.u8 (300 digits of 28×28 bytes) as DATA/mnist/t10k-images-idx3-ubyte.</summary>
    private string WriteTestDigits()
    {
        string data = Path.Combine(_directory, "data");
        string folder = Directory.CreateDirectory(Path.Combine(data, DigitData.MnistDirectory)).FullName;
        byte[] digits = File.ReadAllBytes(RepositoryFiles.Find(Path.Combine("tests", "data", "digits", "mnist-300.u8")));
        var idx = new byte[16 + digits.Length];
        BinaryPrimitives.WriteInt32BigEndian(idx, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(idx.AsSpan(4), digits.Length / 784);
        BinaryPrimitives.WriteInt32BigEndian(idx.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(idx.AsSpan(12), 28);
        digits.CopyTo(idx, 16);
        File.WriteAllBytes(Path.Combine(folder, DigitData.TestImagesFile), idx);
        return data;
    }
}
