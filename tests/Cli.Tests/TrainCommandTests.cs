using System.Text.Json;
using Nic.Torch.Cli.Training;
using Nic.Codec.Models;
using Nic.Torch.Tests;
using Nic.Torch.Training;

namespace Nic.Cli.Tests;

[Collection(LibtorchCollection.Name)]
public sealed class TrainCommandTests
{
    [Fact]
    public void TrainImageWritesALoadableModelAndResumes()
    {
        using var photos = new TestPhotos(trainCount: 2, validationCount: 1);
        string output = Path.Combine(photos.Root, "tiny.nicm");
        string checkpoint = Path.Combine(photos.Root, "tiny.ckpt");
        string[] common =
        [
            "train", "image", "-o", output, "--lambda", "0.0067", "--n", "8", "--m", "8", "--batch", "2", "--crop", "64",
            "--validation-crop", "128", "--downscale", "1", "--data", photos.Root, "--checkpoint", checkpoint, "--threads", "1",
        ];
        (int code, string stdout, string stderr) = CliRunner.RunTorch([.. common, "--steps", "3"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("3 steps", stdout);
        Assert.Contains("step 3/3", stderr);
        Assert.Contains("validation at step 3", stderr);
        NicModelFile file = NicModelFile.Load(output);
        Assert.Equal(ModelArchitectureKind.Bmshj2018Hyperprior, file.Architecture.Kind);
        Assert.Equal("tiny", file.Name);
        Assert.Equal(0.0067, file.Lambda);
        Assert.Empty(Directory.GetFiles(photos.Root, "*.tmp"));

        (code, stdout, stderr) = CliRunner.RunTorch([.. common, "--steps", "5"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("resumed from the checkpoint at step 3", stderr);
        using JsonDocument training = JsonDocument.Parse(NicModelFile.Load(output).Metadata["training"]);
        Assert.Equal(5, training.RootElement.GetProperty("steps").GetInt64());
    }

    [Fact]
    public void TrainImageFloat16StoresBinary16Parameters()
    {
        using var photos = new TestPhotos(trainCount: 1, validationCount: 1);
        string output = Path.Combine(photos.Root, "half.nicm");
        (int code, _, string stderr) = CliRunner.RunTorch(
            "train", "image", "-o", output, "--lambda", "0.0067", "--n", "8", "--m", "8", "--batch", "1", "--crop", "64",
            "--validation-crop", "64", "--downscale", "1", "--data", photos.Root, "--threads", "1", "--steps", "1",
            "--arch", "bmshj2018-factorized", "--float16");
        Assert.True(code == 0, stderr);
        // The factorized model has no scale table: every float tensor is a parameter, and every value a binary16 one
        // (thousands of trained binary32 values would not all be by chance).
        NicModelFile file = NicModelFile.Load(output);
        foreach (string name in file.TensorNames.Where(n => file.GetTensor(n).ElementType == ModelTensorType.Float32))
        {
            Assert.All(file.GetFloat32(name).ToArray(), v => Assert.Equal(v, (float)(Half)v));
        }
    }

    [Theory]
    [InlineData("--arch", "tfc-mnist", "unknown image architecture")]
    [InlineData("--arch", "jpeg", "unknown image architecture")]
    [InlineData("--downscale", "2,x", "comma-separated positive integers")]
    [InlineData("--lr-milestones", "-", "comma-separated positive integers")]
    public void BadOptionsExitWithOne(string option, string value, string message)
    {
        (int code, _, string stderr) = CliRunner.RunTorch("train", "image", "-o", "unused.nicm", "--lambda", "0.01", "--steps", "1", option, value);
        Assert.Equal(1, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void MissingDataIsAnErrorThatLeavesNoOutput()
    {
        string output = Path.Combine(Path.GetTempPath(), $"nic-{Guid.NewGuid():N}.nicm");
        (int code, _, string stderr) = CliRunner.RunTorch("train", "image", "-o", output, "--lambda", "0.01", "--steps", "1", "--data", "/nonexistent/photos", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("scripts/fetch-data.sh", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TheProgressLineShowsTheFigures()
    {
        var bar = new ProgressBar(TextWriter.Null, interactive: false, "bpp", "255²·MSE");
        string line = bar.Format(new TrainingProgress(250, 0.5123, 40.25, 1.0355, 2.5, 12, 1e-4, 1), 1000);
        Assert.Equal("step 250/1000 [######..................] 25.0%  rate 0.5123 bpp  255²·MSE 40.2500  loss 1.0355  lr 0.0001  2.50 steps/s  ETA 5:00 skipped 1", line);
    }
}
