using System.Text.Json;
using Nic.Cli.Conformance;

namespace Nic.Cli.Tests;

/// <summary>
/// The committed conformance suite on the managed backend in both arithmetics (the reference decoder and the default
/// fused one) and on TorchSharp, and the runner's failures.
/// </summary>
[Collection(LibtorchCollection.Name)]
public sealed class ConformanceSuiteTests
{
    /// <summary>The repository's conformance/ folder.</summary>
    internal static string SuiteDirectory
    {
        get
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Sdk.sln")))
                {
                    return Path.Combine(d.FullName, "conformance");
                }
            }

            throw new DirectoryNotFoundException("no Sdk.sln above the test assembly");
        }
    }

    [Theory]
    [InlineData("managed")]
    [InlineData("managed-winograd")]
    [InlineData("torch")]
    public void EveryCasePasses(string backend)
    {
        // nic-torch for the TorchSharp backend; nic itself carries only the managed engine. The reference decoder is the
        // managed engine in the reference arithmetic (exact pixels); the default, the Winograd arithmetic (spec/nic-model.md
        // §10.3, whose g_s differs from the fused arithmetic's by rounding), is held to the other-backend tolerances of the
        // same manifest.
        var run = backend switch
        {
            "torch" => CliRunner.RunTorch("conformance", SuiteDirectory, "--backend", backend, "--json"),
            "managed-winograd" => CliRunner.Run("conformance", SuiteDirectory, "--json"),
            _ => CliRunner.Run("conformance", SuiteDirectory, "--arithmetic", "reference", "--json"),
        };

        using JsonDocument json = JsonDocument.Parse(run.Output);
        string[] failures = [.. json.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("result").GetString() != "pass")
            .Select(c => $"{c.GetProperty("name").GetString()}: {c.GetProperty("detail").GetString()}")];
        Assert.True(failures.Length == 0, string.Join("\n", failures));
        Assert.Equal(0, run.ExitCode);
        if (backend == "torch")
        {
            Assert.StartsWith(backend, json.RootElement.GetProperty("backend").GetString());
        }
        else
        {
            Assert.Equal(backend, json.RootElement.GetProperty("backend").GetString());
        }
        ConformanceManifest manifest = ConformanceManifest.Load(SuiteDirectory);
        Assert.Equal(manifest.Cases.Count, json.RootElement.GetProperty("passed").GetInt32());
        Assert.True(manifest.Cases.Count(c => c.Kind == ConformanceCase.Golden) >= 13);
        Assert.True(manifest.Cases.Count(c => c.Kind == ConformanceCase.Invalid) >= 30);
    }

    [Fact]
    public void TheRunnerFailsAWrongExpectationAndExitsNonZero()
    {
        string directory = Directory.CreateTempSubdirectory("nic-conformance-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "golden"));
            Directory.CreateDirectory(Path.Combine(directory, "invalid"));
            ConformanceManifest suite = ConformanceManifest.Load(SuiteDirectory);
            ConformanceCase golden = suite.Cases.Single(c => c.Name == "size-17x13");
            ConformanceCase invalid = suite.Cases.Single(c => c.Name == "bad-checksum");
            foreach (string file in new[] { golden.Stream, golden.ExpectedImage!, golden.ExpectedHeader!, invalid.Stream })
            {
                File.Copy(Path.Combine(SuiteDirectory, file), Path.Combine(directory, file));
            }

            var manifest = new ConformanceManifest(
                ConformanceManifest.FormatName,
                1,
                ConformanceTolerances.Default,
                [golden, golden with { Name = "wrong-symbols", SymbolsSha256 = new string('0', 64) }, invalid, invalid with { Name = "wrong-error", ExpectedError = "Truncated" }]);
            File.WriteAllText(Path.Combine(directory, ConformanceManifest.FileName), JsonSerializer.Serialize(manifest, ConformanceManifest.JsonOptions));

            var run = CliRunner.Run("conformance", directory);

            Assert.Equal(ExitCodes.InvalidData, run.ExitCode);
            Assert.Contains("2 passed, 2 failed", run.Output);
            Assert.Contains("the decoded symbols differ", run.Output);
            Assert.Contains("expected Truncated", run.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void GenerateRefusesToReplaceASuite()
    {
        string directory = Directory.CreateTempSubdirectory("nic-conformance-").FullName;
        try
        {
            string golden = Directory.CreateDirectory(Path.Combine(directory, "golden")).FullName;
            File.Copy(Path.Combine(SuiteDirectory, ConformanceManifest.FileName), Path.Combine(directory, ConformanceManifest.FileName));
            File.WriteAllText(Path.Combine(golden, "keep.nic"), "kept");

            var run = CliRunner.Run("conformance", "generate", directory);

            Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
            Assert.Contains("--overwrite", run.Error);
            Assert.Equal("kept", File.ReadAllText(Path.Combine(golden, "keep.nic")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
