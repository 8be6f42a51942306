using System.Text.Json;
using Nic.Cli.Bench;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Cli.Tests;

public sealed class BenchTransformsCommandTests
{
    [Fact]
    public void JsonHasTheDocumentedFieldsForOneAndTwoThreads()
    {
        var (exitCode, output, _) = CliRunner.Run("bench", "transforms", "--width", "64", "--height", "64", "--runs", "1", "--skip-memory", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        JsonElement[] runs = [.. document.RootElement.GetProperty("runs").EnumerateArray()];
        Assert.Equal([1, 2], runs.Select(r => r.GetProperty("threads").GetInt32()));
        foreach (JsonElement run in runs)
        {
            foreach (string field in new[] { "g_a_s", "h_a_s", "h_s_s", "g_s_s" })
            {
                Assert.True(run.GetProperty(field).GetDouble() >= 0, field);
            }
        }

        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("peak_memory_mb_12mp").ValueKind);
    }

    [Fact]
    public void ThePeakMemoryDecodeRunsAndReportsMemory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nic-test-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, ModelFactory.CreateRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 16, 24, seed: 2));
        try
        {
            double megabytes = TransformBenchmark.MeasureDecodePeakMemory(path, 200, 150, bandRows: 2, threads: 2);
            Assert.InRange(megabytes, 1, 100_000);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
