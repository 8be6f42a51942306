using System.Text.Json;

namespace Nic.Cli.Tests;

[Collection(LibtorchCollection.Name)]
public sealed class BenchTrainCommandTests
{
    [Fact]
    public void JsonHasTheConfigurationAndAPositiveSpeed()
    {
        var (exitCode, output, error) = CliRunner.RunTorch("bench", "train", "--n", "8", "--m", "8", "--batch", "1", "--crop", "64", "--warmup", "0", "--steps", "3", "--threads", "1", "--json");

        Assert.True(exitCode == 0, error);
        using var document = JsonDocument.Parse(output);
        JsonElement root = document.RootElement;
        Assert.Equal("bmshj2018-hyperprior", root.GetProperty("architecture").GetString());
        Assert.Equal(8, root.GetProperty("n").GetInt32());
        Assert.Equal(64, root.GetProperty("crop_size").GetInt32());
        Assert.Equal(3, root.GetProperty("timed_steps").GetInt32());
        double median = root.GetProperty("median_step_s").GetDouble(), speed = root.GetProperty("steps_per_s").GetDouble();
        Assert.True(median > 0 && speed > 0);
        Assert.Equal(1 / median, speed, 0.05 * speed);
    }

    [Theory]
    [InlineData("--crop", "100")]
    [InlineData("--steps", "0")]
    [InlineData("--arch", "tfc-mnist")]
    public void BadOptionsExitWithOne(string option, string value)
    {
        var (exitCode, _, error) = CliRunner.RunTorch("bench", "train", option, value);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("error:", error.Trim());
    }
}
