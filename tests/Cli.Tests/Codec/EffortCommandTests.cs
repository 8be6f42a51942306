using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;

namespace Nic.Cli.Tests.Codec;

/// <summary><c>--effort</c>: nic refuses efforts above 1 (it carries no libtorch) and says where they are; nic-torch encodes them into files nic decodes.</summary>
[Collection(LibtorchCollection.Name)]
public sealed class EffortCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-effort-").FullName;
    private readonly string _models;
    private readonly string _modelName;
    private readonly string _input;

    public EffortCommandTests()
    {
        _models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        byte[] model = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 5);
        File.WriteAllBytes(Path.Combine(_models, "small.nicm"), model);
        _modelName = NicModelFile.Load(model).Name;
        _input = Path.Combine(_directory, "in.png");
        var image = new RgbImage(70, 50);
        for (int y = 0; y < 50; y++)
        {
            for (int x = 0; x < 70 * 3; x++)
            {
                image.GetRow(y)[x] = (byte)((x * 7) + (y * 13) + ((x * y) % 17));
            }
        }

        ImageFiles.WritePng(_input, image);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void NicRefusesEffortsAboveOneAndPointsToNicTorch()
    {
        string output = Path.Combine(_directory, "out.nic");
        var result = CliRunner.Run("encode", _input, "-o", output, "--models", _models, "--model", _modelName, "--effort", "3");
        Assert.Equal(ExitCodes.UsageOrFile, result.ExitCode);
        Assert.Contains("--effort 3", result.Error);
        Assert.Contains("nic-torch", result.Error);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10")]
    public void EffortsOutsideOneToNineAreUsageErrorsInBothTools(string effort)
    {
        string output = Path.Combine(_directory, "out.nic");
        foreach (var result in new[]
        {
            CliRunner.Run("encode", _input, "-o", output, "--models", _models, "--model", _modelName, "--effort", effort),
            CliRunner.RunTorch("encode", _input, "-o", output, "--models", _models, "--model", _modelName, "--effort", effort),
        })
        {
            Assert.Equal(ExitCodes.UsageOrFile, result.ExitCode);
            Assert.Contains("--effort must be 1 … 9", result.Error);
        }

        Assert.False(File.Exists(output));
    }

    [Fact]
    public void NicTorchEncodesAHigherEffortThatNicDecodes()
    {
        string output = Path.Combine(_directory, "out.nic");
        var encode = CliRunner.RunTorch("encode", _input, "-o", output, "--models", _models, "--model", _modelName, "--effort", "2", "--json");
        Assert.True(encode.ExitCode == 0, encode.Error);
        using (JsonDocument json = JsonDocument.Parse(encode.Output))
        {
            Assert.Equal(2, json.RootElement.GetProperty("effort").GetInt32());
        }

        var text = CliRunner.RunTorch("encode", _input, "-o", output, "--models", _models, "--model", _modelName, "--effort", "2");
        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("effort 2 (sga/torch:cpu)", text.Output);

        var decode = CliRunner.Run("decode", output, "-o", Path.Combine(_directory, "back.png"), "--models", _models);
        Assert.True(decode.ExitCode == 0, decode.Error);
        Assert.Contains("70×50", decode.Output);
    }
}
