using System.Text.Json;

namespace Nic.Cli.Tests;

public sealed class BenchCoderCommandTests
{
    [Fact]
    public void JsonHasEveryRangeWithThroughputAndOverhead()
    {
        var (exitCode, output, _) = CliRunner.Run("bench", "coder", "--symbols", "20000", "--runs", "3", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        JsonElement[] results = [.. document.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal(["0-63", "0-31", "0-15"], results.Select(r => r.GetProperty("range").GetString()));
        foreach (JsonElement r in results)
        {
            Assert.True(r.GetProperty("encode_msym_s").GetDouble() > 0);
            Assert.True(r.GetProperty("decode_msym_s").GetDouble() > 0);

            // 20,000 symbols cost a few hundred bytes more than ideal at most (the 8-byte state plus rounding).
            double overhead = r.GetProperty("overhead_pct").GetDouble();
            Assert.InRange(overhead, 0, 1.0);
        }
    }

    [Fact]
    public void TextOutputIsATable()
    {
        var (exitCode, output, _) = CliRunner.Run("bench", "coder", "--symbols", "5000", "--runs", "1");

        Assert.Equal(0, exitCode);
        Assert.Contains("encode Msym/s", output);
        Assert.Matches(@"(?m)^0-63\s+\d+\.\d", output);
    }

    [Fact]
    public void NonsensicalCountsAreRefused()
    {
        var (exitCode, _, error) = CliRunner.Run("bench", "coder", "--runs", "0");
        Assert.Equal(1, exitCode);
        Assert.Contains("--runs", error);
    }
}
