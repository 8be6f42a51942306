using System.Diagnostics;
using System.Text.Json;
using Nic.Cli.Batch;
using Nic.Cli.Commands;
using Nic.Cli.Imaging;
using Nic.Cli.Tests.Codec;

namespace Nic.Cli.Tests.Batch;

/// <summary>
/// <c>nic batch</c> as a scheduler runs it: real <c>nic</c> processes, several shards at once over one tree, a shard
/// killed with SIGKILL and run again, and the shard index taken from a Kubernetes Indexed Job's or a Slurm array's environment.
/// </summary>
public sealed class BatchProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-batch-process-").FullName;

    private string Input => Path.Combine(_directory, "in");

    private string Output => Path.Combine(_directory, "out");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task FourConcurrentShardsDoEveryItemExactlyOnce()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 44);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(k =>
            BatchTestFiles.RunAsync(null, "batch", "encode", Input, "-o", Output, "--shard", $"{k}/4", "--threads", "1")));

        Assert.All(runs, r => Assert.True(r.ExitCode == BatchCommand.AllDone, r.Error + r.Output));
        List<JsonElement> report = BatchTestFiles.ReadReports(Output);
        Assert.Equal(paths.Order(StringComparer.Ordinal), report.Select(l => l.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(report, l => Assert.Equal("done", l.GetProperty("status").GetString()));
        Assert.All(report, l => Assert.Equal($"{BatchShard.Of(l.GetProperty("path").GetString()!, 4)}/4", l.GetProperty("shard").GetString()));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(Output, ".nic-batch"), "report-*-of-4.jsonl").Length);
        Assert.True(report.GroupBy(l => l.GetProperty("shard").GetString()).Count() > 1);
        List<string> decoded = await BatchTestFiles.DecodeAllAsync(Output);
        Assert.Equal(paths.Select(p => Path.ChangeExtension(p, ".nic")).Order(StringComparer.Ordinal), decoded);
        Assert.DoesNotContain(BatchTestFiles.AllFiles(Output), f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".partial", StringComparison.Ordinal));
    }

    [LinuxFact]
    public async Task AShardKilledMidRunAndRunAgainFinishesWithEveryOutputWholeAndNoTemporaryFile()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 40);

        // The shard does its items one after the other in ordinal order. The eleventh input is a named pipe with no
        // writer: the shard blocks opening it, with the ten before it done and the rest to do, however fast or loaded
        // the machine is. (Polling a shard of ordinary files for the moment to kill it lost the race when the
        // encode got faster and the test host was busy: the shard finished first.)
        const int DoneBeforeTheKill = 10;
        string blocking = paths.Order(StringComparer.Ordinal).ElementAt(DoneBeforeTheKill);
        string blockingPath = Path.Combine(Input, blocking);
        File.Delete(blockingPath);
        MakeNamedPipe(blockingPath);

        using (Process child = BatchTestFiles.Start(null, "batch", "encode", Input, "-o", Output, "--shard", "0/1", "--threads", "1"))
        {
            _ = child.StandardOutput.ReadToEndAsync();
            _ = child.StandardError.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            while (!child.HasExited && CountOutputs() < DoneBeforeTheKill && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(20);
            }

            Assert.False(child.HasExited, "the shard ended before it could be killed");
            child.Kill();
            await child.WaitForExitAsync();
        }

        int before = CountOutputs();
        Assert.Equal(DoneBeforeTheKill, before);
        Assert.True(File.Exists(Path.Combine(Output, ".nic-batch", "report-0-of-1.jsonl.partial")));
        Assert.False(File.Exists(Path.Combine(Output, ".nic-batch", "report-0-of-1.jsonl")));

        // The input arrives after all, as an ordinary file.
        File.Delete(blockingPath);
        ImageFiles.WritePng(blockingPath, BatchTestFiles.Image(48, 32, paths.IndexOf(blocking)));

        // What a SIGKILL in the middle of a write leaves: a temporary file of AtomicFile's naming beside the output.
        string stale = Path.Combine(Output, Path.GetDirectoryName(paths[^1])!, $".{Path.GetFileNameWithoutExtension(paths[^1])}.nic.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        await File.WriteAllBytesAsync(stale, [1, 2, 3]);

        var rerun = await BatchTestFiles.RunAsync(null, "batch", "encode", Input, "-o", Output, "--shard", "0/1", "--json");

        Assert.True(rerun.ExitCode == BatchCommand.AllDone, rerun.Error + rerun.Output);
        using JsonDocument summary = JsonDocument.Parse(rerun.Output);
        Assert.Equal(before, summary.RootElement.GetProperty("skipped").GetInt32());
        Assert.Equal(paths.Count - before, summary.RootElement.GetProperty("done").GetInt32());
        List<JsonElement> report = BatchTestFiles.ReadReports(Output);
        Assert.Equal(paths.Order(StringComparer.Ordinal), report.Select(l => l.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(paths.Count, (await BatchTestFiles.DecodeAllAsync(Output)).Count);
        Assert.DoesNotContain(BatchTestFiles.AllFiles(Output), f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AKubernetesIndexedJobAndASlurmArrayPickTheSameSplitAsTheShardOption()
    {
        BatchTestFiles.WriteTree(Input, 18);

        List<string> explicitShard = await ShardPathsAsync(null, "--shard", "1/3");
        List<string> kubernetes = await ShardPathsAsync(new() { ["JOB_COMPLETION_INDEX"] = "1", [BatchShard.ShardsVariable] = "3" });
        List<string> kubernetesOption = await ShardPathsAsync(new() { ["JOB_COMPLETION_INDEX"] = "1" }, "--shards", "3");
        List<string> slurm = await ShardPathsAsync(new()
        {
            ["SLURM_ARRAY_TASK_ID"] = "6", ["SLURM_ARRAY_TASK_MIN"] = "5", ["SLURM_ARRAY_TASK_MAX"] = "7", ["SLURM_ARRAY_TASK_COUNT"] = "3",
        });

        Assert.NotEmpty(explicitShard);
        Assert.True(explicitShard.Count < 18);
        Assert.Equal(explicitShard, kubernetes);
        Assert.Equal(explicitShard, kubernetesOption);
        Assert.Equal(explicitShard, slurm);
    }

    [Fact]
    public async Task TheSplitOfAManifestDoesNotDependOnTheOrderOfItsLines()
    {
        List<string> paths = BatchTestFiles.WriteTree(Input, 16);
        string forward = Path.Combine(Input, "forward.txt");
        string backward = Path.Combine(Input, "backward.txt");
        await File.WriteAllLinesAsync(forward, paths);
        await File.WriteAllLinesAsync(backward, Enumerable.Reverse(paths));

        var fromTree = CliRunner.Run("batch", "encode", Input, "-o", Path.Combine(_directory, "tree"), "--shard", "2/3");
        var fromForward = CliRunner.Run("batch", "encode", forward, "-o", Path.Combine(_directory, "forward"), "--shard", "2/3");
        var fromBackward = CliRunner.Run("batch", "encode", backward, "-o", Path.Combine(_directory, "backward"), "--shard", "2/3");

        Assert.Equal((0, 0, 0), (fromTree.ExitCode, fromForward.ExitCode, fromBackward.ExitCode));
        List<string> expected = [.. paths.Where(p => BatchShard.Of(p, 3) == 2).Select(p => Path.ChangeExtension(p, ".nic")).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(expected);
        foreach (string output in new[] { "tree", "forward", "backward" })
        {
            Assert.Equal(expected, BatchTestFiles.AllFiles(Path.Combine(_directory, output)).Where(f => !f.StartsWith(".nic-batch/", StringComparison.Ordinal)));
        }
    }

    private async Task<List<string>> ShardPathsAsync(Dictionary<string, string>? environment, params string[] options)
    {
        string output = Path.Combine(_directory, $"out-{Guid.NewGuid():N}");
        var run = await BatchTestFiles.RunAsync(environment, ["batch", "encode", Input, "-o", output, "--threads", "1", .. options]);
        Assert.True(run.ExitCode == BatchCommand.AllDone, run.Error + run.Output);
        return [.. BatchTestFiles.ReadReports(output).Select(l => l.GetProperty("path").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static void MakeNamedPipe(string path)
    {
        using Process mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private int CountOutputs() =>
        Directory.Exists(Output) ? Directory.GetFiles(Output, "*.nic", SearchOption.AllDirectories).Length : 0;
}
