using System.Text.Json;
using Nic.Cli.Bench;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Cli.Tests;

public sealed class BenchTransformsCommandTests
{
    [Fact]
    public void JsonHasTheDocumentedFieldsForBothArithmeticsAndOneAndTwoThreads()
    {
        var (exitCode, output, _) = CliRunner.Run("bench", "transforms", "--width", "64", "--height", "64", "--runs", "1", "--skip-memory", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        JsonElement root = document.RootElement;
        Assert.Contains(root.GetProperty("vector_bits").GetInt32(), new[] { 256, 512 });
        JsonElement[] peaks = [.. root.GetProperty("fma_peak").EnumerateArray()];
        Assert.Equal([1, 2], peaks.Select(p => p.GetProperty("threads").GetInt32()));
        Assert.All(peaks, p => Assert.True(p.GetProperty("gmac_per_s").GetDouble() > 0));
        JsonElement[] runs = [.. root.GetProperty("runs").EnumerateArray()];
        Assert.Equal(["reference/1", "reference/2", "fused/1", "fused/2"], runs.Select(r => $"{r.GetProperty("arithmetic").GetString()}/{r.GetProperty("threads").GetInt32()}"));
        foreach (JsonElement run in runs)
        {
            foreach (string field in new[] { "g_a_s", "h_a_s", "h_s_s", "g_s_s" })
            {
                Assert.True(run.GetProperty(field).GetDouble() >= 0, field);
            }

            // Every layer of g_a (7), h_a (5), h_s (6) and g_s (7), named as CompressAI numbers them; the multiply-adds
            // follow from the shapes: g_s.6 turns 128 × 32 × 32 into 3 × 64 × 64 with a 5 × 5 kernel.
            JsonElement[] layers = [.. run.GetProperty("layers").EnumerateArray()];
            Assert.Equal(25, layers.Length);
            JsonElement last = layers.Single(l => l.GetProperty("name").GetString() == "g_s.6");
            Assert.Equal(32L * 32 * 128 * 3 * 25, last.GetProperty("multiply_adds").GetInt64());
            Assert.True(last.GetProperty("gmac_per_s").GetDouble() > 0 && last.GetProperty("share_of_peak").GetDouble() > 0);
            Assert.Equal(0, layers.Single(l => l.GetProperty("name").GetString() == "h_s.1").GetProperty("multiply_adds").GetInt64());
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
