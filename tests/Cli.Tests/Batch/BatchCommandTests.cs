using System.Text.Json;
using Nic.Cli.Batch;
using Nic.Cli.Commands;
using Nic.Codec.Catalog;
using Nic.Format;

namespace Nic.Cli.Tests.Batch;

/// <summary><c>nic batch</c> in-process: failures recorded and skipped, reruns, manifests, conflicts and the output tree.</summary>
[Collection(LibtorchCollection.Name)]
public sealed class BatchCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-batch-").FullName;

    private string Input => Path.Combine(_directory, "in");

    private string Output => Path.Combine(_directory, "out");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ACorruptInputIsReportedWithItsErrorAndTheOthersAreDone()
    {
        List<string> good = BatchTestFiles.WriteTree(Input, 4);
        byte[] png = await File.ReadAllBytesAsync(Path.Combine(Input, good[0]));
        await File.WriteAllBytesAsync(Path.Combine(Input, "set0/cut.png"), png[..(png.Length / 2)]);

        var run = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1", "--json");

        Assert.Equal(BatchCommand.SomeItemsFailed, run.ExitCode);
        List<JsonElement> report = BatchTestFiles.ReadReports(Output);
        JsonElement failed = Assert.Single(report, l => l.GetProperty("status").GetString() == "failed");
        Assert.Equal("set0/cut.png", failed.GetProperty("path").GetString());
        Assert.Equal("InvalidImage", failed.GetProperty("error_code").GetString());
        Assert.Equal(ExitCodes.InvalidData, failed.GetProperty("exit_class").GetInt32());
        Assert.Contains("cut.png", failed.GetProperty("message").GetString());
        Assert.Equal(4, report.Count(l => l.GetProperty("status").GetString() == "done"));
        Assert.False(File.Exists(Path.Combine(Output, "set0/cut.nic")));
        Assert.Equal(4, (await BatchTestFiles.DecodeAllAsync(Output)).Count);
        using JsonDocument summary = JsonDocument.Parse(run.Output);
        Assert.Equal((4, 0, 1), (summary.RootElement.GetProperty("done").GetInt32(), summary.RootElement.GetProperty("skipped").GetInt32(), summary.RootElement.GetProperty("failed").GetInt32()));

        // A rerun skips what is done and tries the failed item again.
        var rerun = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1");
        Assert.Equal(BatchCommand.SomeItemsFailed, rerun.ExitCode);
        Assert.Contains("0 done, 4 skipped, 1 failed", rerun.Output);
    }

    /// <summary>
    /// <c>--effort</c> above 1 needs nic-torch's latent optimizer: nic refuses it before any item (exit 1, saying where it
    /// is), nic-torch codes every item exactly as <c>nic-torch encode --effort</c> codes it alone.
    /// </summary>
    [Fact]
    public void EffortAboveOneIsNicTorchsAndCodesTheFilesEncodeWould()
    {
        List<string> items = BatchTestFiles.WriteTree(Input, 2);

        var refused = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1", "--effort", "2");
        Assert.Equal(BatchCommand.BadOptions, refused.ExitCode);
        Assert.Contains("nic-torch", refused.Error);
        Assert.False(Directory.Exists(Output));

        (int code, string stdout, string stderr) = CliRunner.RunTorch("batch", "encode", Input, "-o", Output, "--shard", "0/1", "--effort", "2");
        Assert.True(code == BatchCommand.AllDone, stderr);
        Assert.Contains("2 done, 0 skipped, 0 failed", stdout);
        string single = Path.Combine(_directory, "single.nic");
        (code, _, stderr) = CliRunner.RunTorch("encode", Path.Combine(Input, items[0]), "-o", single, "--effort", "2");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(Path.Combine(Output, Path.ChangeExtension(items[0], ".nic"))));
    }

    [Fact]
    public void ARunWithNothingLeftToDoExitsZeroAndSkipsEverything()
    {
        BatchTestFiles.WriteTree(Input, 5);

        var first = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1");
        DateTime[] written = [.. Directory.GetFiles(Output, "*.nic", SearchOption.AllDirectories).Order().Select(File.GetLastWriteTimeUtc)];
        var second = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1");

        Assert.Equal((BatchCommand.AllDone, BatchCommand.AllDone), (first.ExitCode, second.ExitCode));
        Assert.Contains("5 done, 0 skipped, 0 failed", first.Output);
        Assert.Contains("0 done, 5 skipped, 0 failed", second.Output);
        Assert.Equal(written, Directory.GetFiles(Output, "*.nic", SearchOption.AllDirectories).Order().Select(File.GetLastWriteTimeUtc));
        List<JsonElement> report = BatchTestFiles.ReadReports(Output);
        Assert.Equal(5, report.Count);
        Assert.All(report, l => Assert.Equal("skipped", l.GetProperty("status").GetString()));
        Assert.All(report, l => Assert.Equal((48, 32), (l.GetProperty("width").GetInt32(), l.GetProperty("height").GetInt32())));
        Assert.All(report, l => Assert.Equal(
            new FileInfo(Path.Combine(Output, l.GetProperty("output").GetString()!)).Length,
            l.GetProperty("bytes_out").GetInt64()));
    }

    [Fact]
    public void AnOutputOfAnotherModelOrAGarbledOneIsCodedAgain()
    {
        BatchTestFiles.WriteTree(Input, 2);
        Assert.Equal(0, CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1", "--rate-point", "2").ExitCode);
        string[] outputs = [.. Directory.GetFiles(Output, "*.nic", SearchOption.AllDirectories).Order()];
        File.WriteAllBytes(outputs[1], [1, 2, 3]);

        var run = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1", "--rate-point", "5");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("2 done, 0 skipped", run.Output);
        string q5 = new NicModelCatalog().Find(NicModelCatalog.DefaultModelName).Family + "-q5";
        Assert.All(outputs, o => Assert.Equal(q5, NicFile.Read(File.ReadAllBytes(o)).Header.Model.Name));
    }

    [Fact]
    public void APlainManifestDoesTheFilesItListsIntoTheMirroredTree()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 6);
        string manifest = Path.Combine(Input, "list.txt");
        File.WriteAllLines(manifest, ["# chosen", paths[4], string.Empty, "./" + paths[1], Path.Combine(Input, paths[2])]);

        var run = CliRunner.Run("batch", "encode", manifest, "-o", Output, "--shard", "0/1");

        Assert.Equal(0, run.ExitCode);
        string[] expected = [.. new[] { paths[1], paths[2], paths[4] }.Select(p => Path.ChangeExtension(p, ".nic")).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, BatchTestFiles.AllFiles(Output).Where(f => !f.StartsWith(".nic-batch/", StringComparison.Ordinal)));
    }

    [Fact]
    public void AJsonLinesManifestSetsEachItemsQualityAndModel()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 3);
        string manifest = Path.Combine(_directory, "items.jsonl");
        File.WriteAllLines(manifest,
        [
            $$"""{"path": "{{paths[0]}}", "rate_point": 1}""",
            $$"""{"path": "{{paths[1]}}", "rate_point": 6}""",
            $$"""{"path": "{{paths[2]}}", "model": "nic-bmshj2018-hyperprior", "rate_point": 2}""",
        ]);

        var run = CliRunner.Run("batch", "encode", manifest, "--root", Input, "-o", Output, "--shard", "0/1", "--rate-point", "3");

        Assert.Equal(0, run.ExitCode);
        string[] models = [.. paths.Select(p => NicFile.Read(File.ReadAllBytes(Path.Combine(Output, Path.ChangeExtension(p, ".nic")))).Header.Model.Name)];
        string family = new NicModelCatalog().Find(NicModelCatalog.DefaultModelName).Family;
        Assert.Equal([family + "-q1", family + "-q6", "nic-bmshj2018-hyperprior-q2"], models);
        Assert.Equal(models.Order(), BatchTestFiles.ReadReports(Output).Select(l => l.GetProperty("model").GetString()).Order());
    }

    [Fact]
    public void AManifestPathListedTwiceIsOneItemUnlessItsOptionsDiffer()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 2);
        string manifest = Path.Combine(Input, "items.jsonl");
        File.WriteAllLines(manifest, [paths[0], paths[1], "./" + paths[0], $$"""{"path": "{{paths[1]}}"}"""]);

        var run = CliRunner.Run("batch", "encode", manifest, "-o", Output, "--shard", "0/1");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(paths.Order(StringComparer.Ordinal), BatchTestFiles.ReadReports(Output).Select(l => l.GetProperty("path").GetString()).Order(StringComparer.Ordinal));

        File.AppendAllLines(manifest, [$$"""{"path": "{{paths[1]}}", "rate_point": 2}"""]);
        var differing = CliRunner.Run("batch", "encode", manifest, "-o", Output, "--shard", "0/1");

        Assert.Equal(BatchCommand.BadOptions, differing.ExitCode);
        Assert.Contains("line 5", differing.Error);
        Assert.Contains("line 2", differing.Error);
    }

    [Fact]
    public void AManifestItemWithAQualityItsFamilyLacksFailsAlone()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 2);
        string manifest = Path.Combine(Input, "items.jsonl");
        File.WriteAllLines(manifest, [$$"""{"path": "{{paths[0]}}", "rate_point": 9}""", $$"""{"path": "{{paths[1]}}"}"""]);

        var run = CliRunner.Run("batch", "encode", manifest, "-o", Output, "--shard", "0/1");

        Assert.Equal(BatchCommand.SomeItemsFailed, run.ExitCode);
        JsonElement failed = Assert.Single(BatchTestFiles.ReadReports(Output), l => l.GetProperty("status").GetString() == "failed");
        Assert.Equal((paths[0], "BadOption", 1), (failed.GetProperty("path").GetString(), failed.GetProperty("error_code").GetString(), failed.GetProperty("exit_class").GetInt32()));
        Assert.Contains("--rate-point 9", failed.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"path": "a.png", "qualty": 3}""")]
    [InlineData("""{"rate_point": 3}""")]
    [InlineData("""{"path": "a.png", "quality": "high"}""")]
    [InlineData("""{"path": "../elsewhere.png"}""")]
    [InlineData("{\"path\": \"a.png\"")]
    public void ABadManifestLineIsABadOptionNamingTheLine(string line)
    {
        Directory.CreateDirectory(Input);
        string manifest = Path.Combine(Input, "items.jsonl");
        File.WriteAllLines(manifest, ["""{"path": "b.png"}""", line]);

        var run = CliRunner.Run("batch", "encode", manifest, "-o", Output, "--shard", "0/1");

        Assert.Equal(BatchCommand.BadOptions, run.ExitCode);
        Assert.Contains("line 2", run.Error);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void TwoInputsWithOneOutputAreBothRefusedAsAConflict()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 2);
        File.Copy(Path.Combine(Input, paths[0]), Path.Combine(Input, Path.ChangeExtension(paths[0], ".bmp")));

        var run = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "0/1");

        Assert.Equal(BatchCommand.SomeItemsFailed, run.ExitCode);
        List<JsonElement> failed = [.. BatchTestFiles.ReadReports(Output).Where(l => l.GetProperty("status").GetString() == "failed")];
        Assert.Equal(2, failed.Count);
        Assert.All(failed, l => Assert.Equal(BatchRunner.OutputConflict, l.GetProperty("error_code").GetString()));
        Assert.False(File.Exists(Path.Combine(Output, Path.ChangeExtension(paths[0], ".nic"))));
    }

    [Fact]
    public void DecodeMirrorsATreeOfNicFilesIntoPngsAndLeavesOtherFilesAlone()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 4);
        string nics = Path.Combine(_directory, "nics");
        Assert.Equal(0, CliRunner.Run("batch", "encode", Input, "-o", nics, "--shard", "0/1").ExitCode);
        File.WriteAllText(Path.Combine(nics, "notes.txt"), "not an input");

        var run = CliRunner.Run("batch", "decode", nics, "-o", Output, "--shard", "0/1", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            paths.Order(StringComparer.Ordinal),
            BatchTestFiles.AllFiles(Output).Where(f => !f.StartsWith(".nic-batch/", StringComparison.Ordinal)));
        Assert.All(paths, p =>
        {
            Nic.Codec.Imaging.RgbImage image = Nic.Cli.Imaging.ImageFiles.Read(Path.Combine(Output, p));
            Assert.Equal((48, 32), (image.Width, image.Height));
        });
        using JsonDocument summary = JsonDocument.Parse(run.Output);
        Assert.Equal(4, summary.RootElement.GetProperty("done").GetInt32());
        Assert.InRange(summary.RootElement.GetProperty("bpp").GetDouble(), 0.01, 24);
    }

    [Fact]
    public void ADecodeBeyondTheLimitsFailsThatItemWithItsCode()
    {
        BatchTestFiles.WriteTree(Input, 2);
        string nics = Path.Combine(_directory, "nics");
        Assert.Equal(0, CliRunner.Run("batch", "encode", Input, "-o", nics, "--shard", "0/1").ExitCode);

        var run = CliRunner.Run("batch", "decode", nics, "-o", Output, "--shard", "0/1", "--max-pixels", "1000");

        Assert.Equal(BatchCommand.SomeItemsFailed, run.ExitCode);
        List<JsonElement> report = BatchTestFiles.ReadReports(Output);
        Assert.Equal(2, report.Count);
        Assert.All(report, l => Assert.Equal(("failed", "ResourceLimitExceeded", 2), (l.GetProperty("status").GetString(), l.GetProperty("error_code").GetString(), l.GetProperty("exit_class").GetInt32())));
    }

    [Fact]
    public void AMissingInputOrABadShardIsABadOption()
    {
        Assert.Equal(BatchCommand.BadOptions, CliRunner.Run("batch", "encode", Path.Combine(_directory, "none"), "-o", Output, "--shard", "0/1").ExitCode);
        Directory.CreateDirectory(Input);
        var run = CliRunner.Run("batch", "encode", Input, "-o", Output, "--shard", "3/3");
        Assert.Equal(BatchCommand.BadOptions, run.ExitCode);
        Assert.Contains("shard", run.Error);
    }
}
