using System.Text.Json;

namespace Nic.Cli.Tests;

/// <summary><c>nic-torch bench effort</c> on a small crop of the sample photo with the shipped default family.</summary>
[Collection(LibtorchCollection.Name)]
public sealed class BenchEffortCommandTests
{
    [Fact]
    public void JsonHasEffortOneAndEachEffortWithItsRatioAndCost()
    {
        var (exitCode, output, error) = CliRunner.RunTorch("bench", "effort", Path.Combine(RepositoryFiles.Root, "samples", "seeding.png"), "--crop", "64", "--efforts", "2", "--runs", "1", "--json");

        Assert.True(exitCode == 0, error);
        using var document = JsonDocument.Parse(output);
        JsonElement root = document.RootElement;
        Assert.Equal("effort", root.GetProperty("benchmark").GetString());
        Assert.Equal(64, root.GetProperty("width").GetInt32());
        JsonElement[] rows = [.. root.GetProperty("efforts").EnumerateArray()];
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("effort").GetInt32()));
        Assert.Equal(0, rows[0].GetProperty("iterations").GetInt32());
        Assert.Equal(6, rows[1].GetProperty("iterations").GetInt32());
        Assert.Equal(0, rows[0].GetProperty("s_per_iteration").GetDouble());
        Assert.True(rows[1].GetProperty("s_per_iteration").GetDouble() > 0);
        Assert.Equal(1, rows[0].GetProperty("time_ratio").GetDouble(), 1e-9);
        Assert.Equal(0, rows[0].GetProperty("cost_change").GetDouble(), 1e-9);

        // The search keeps g_a's latents when it finds nothing better, so effort 2 never costs more than effort 1.
        Assert.True(rows[1].GetProperty("cost").GetDouble() <= rows[0].GetProperty("cost").GetDouble() * (1 + 1e-4));
        Assert.All(rows, r => Assert.True(r.GetProperty("median_s").GetDouble() > 0 && r.GetProperty("bpp").GetDouble() > 0 && r.GetProperty("psnr_db").GetDouble() > 20));
    }

    [Theory]
    [InlineData("--efforts", "1")]
    [InlineData("--efforts", "10")]
    [InlineData("--efforts", "two")]
    [InlineData("--runs", "0")]
    public void BadOptionsExitWithOne(string option, string value)
    {
        var (exitCode, _, error) = CliRunner.RunTorch("bench", "effort", Path.Combine(RepositoryFiles.Root, "samples", "seeding.png"), option, value);
        Assert.Equal(1, exitCode);
        Assert.StartsWith("error:", error.Trim());
    }

    /// <summary>
    /// An image that cannot be read and a model the catalog does not have are reported in one line with nic's exit codes
    /// (1 and 3), not as an unhandled exception with its stack trace.
    /// </summary>
    [Theory]
    [InlineData("missing", "nic-mbt2018-mean-cc", ExitCodes.UsageOrFile)]
    [InlineData("sample", "no-such-model", ExitCodes.ModelUnavailable)]
    public void AnImageOrModelThatCannotBeHadIsReported(string image, string model, int expected)
    {
        string path = image == "missing" ? Path.Combine(Path.GetTempPath(), $"nic-missing-{Guid.NewGuid():N}.png") : Path.Combine(RepositoryFiles.Root, "samples", "seeding.png");
        var (exitCode, _, error) = CliRunner.RunTorch("bench", "effort", path, "--model", model, "--crop", "64", "--efforts", "2", "--runs", "1");
        Assert.Equal(expected, exitCode);
        Assert.StartsWith("error:", error.Trim().Split('\n')[^1].Trim());
        Assert.DoesNotContain("   at ", error);
    }
}
