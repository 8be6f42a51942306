using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Nic.Cli.Batch;
using Nic.Codec;
using Nic.Codec.Catalog;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic batch encode|decode INPUT -o OUTDIR [--shard K/N]</c>: codes a directory tree or a manifest into a mirrored
/// output tree, one shard of it per process (Kubernetes Indexed Jobs and Slurm arrays are read from the environment),
/// skipping items whose outputs are complete and recording every item in a JSONL report. docs/batch.md.
/// </summary>
internal static class BatchCommand
{
    /// <summary>Exit code: every item of the shard is done or was done before (also when the shard has no items).</summary>
    public const int AllDone = ExitCodes.Success;

    /// <summary>Exit code: bad options, an unreadable listing or manifest, or a report that cannot be written; no item was tried.</summary>
    public const int BadOptions = ExitCodes.UsageOrFile;

    /// <summary>Exit code: the shard went through all of its items and at least one failed (the report says which and why).</summary>
    public const int SomeItemsFailed = 2;

    public static Command Create(TransformBackends backends)
    {
        var command = new Command("batch", "Encode or decode a whole directory tree or manifest, one shard per process (Kubernetes Indexed Job, Slurm array), resumably.");
        command.Subcommands.Add(Create(BatchMode.Encode, backends));
        command.Subcommands.Add(Create(BatchMode.Decode, backends));
        return command;
    }

    private static Command Create(BatchMode mode, TransformBackends backends)
    {
        bool encode = mode == BatchMode.Encode;
        var input = new Argument<string>("INPUT")
        {
            Description = encode
                ? "A directory tree of images (png, jpg, jpeg, ppm, pgm, bmp, tga), or a manifest: one path per line, or JSONL lines {\"path\": …, \"quality\": …, \"rate_point\": …, \"model\": …}."
                : "A directory tree of .nic files, or a manifest: one path per line, or JSONL lines {\"path\": …}.",
        };
        var output = new Option<string>("--output", "-o") { Description = "The output folder; the input tree is mirrored under it (created as needed).", Required = true, HelpName = "OUTDIR" };
        var root = new Option<string?>("--root") { Description = "The folder a manifest's paths are relative to (default: the manifest's folder).", HelpName = "DIR" };
        var shard = new Option<string?>("--shard") { Description = "Do shard K of N (0-based, \"K/N\"). Default: from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array), else everything.", HelpName = "K/N" };
        var shards = new Option<int?>("--shards") { Description = $"The number of shards, when the environment gives only the index (JOB_COMPLETION_INDEX); or set {BatchShard.ShardsVariable}.", HelpName = "N" };
        var report = new Option<string?>("--report") { Description = "The shard's JSONL report (default: OUTDIR/.nic-batch/report-K-of-N.jsonl); written as FILE.partial until the shard ends.", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var model = new Option<string?>("--model") { Description = $"A model or family name from `nic models` (default: {NicModelCatalog.DefaultModelName}); a JSONL manifest line may set its own." };
        var rate = new RateOptions(targets: false);
        var effort = EffortOption.Create();
        var limits = new DecodeLimitOptions("Refuse (as a failed item)");
        var metadata = new MetadataOptions();
        var shared = new CodecCommandOptions(backends);
        var command = new Command(encode ? "encode" : "decode", encode
            ? "Compress every image of a tree or manifest into .nic files under OUTDIR."
            : "Decompress every .nic file of a tree or manifest into PNG files under OUTDIR.")
        {
            input, output, root, shard, shards, report, json,
        };
        if (encode)
        {
            command.Options.Add(model);
            command.Options.Add(effort);
            rate.AddTo(command);
            metadata.AddTo(command);
        }
        else
        {
            limits.AddTo(command);
        }

        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            BatchReportWriter? writer = null;
            try
            {
                BatchShard which = BatchShard.Resolve(result.GetValue(shard), result.GetValue(shards), Environment.GetEnvironmentVariable);
                int effortLevel = encode ? result.GetValue(effort) : NicEncodeOptions.MinEffort;
                NicCodec codec = shared.CreateCodec(result, configure: encode ? null : options => limits.Apply(result, options), effort: effortLevel);
                NicEncodeOptions defaults = encode ? rate.Build(result, result.GetValue(model)) with { Effort = effortLevel } : new NicEncodeOptions();
                if (encode)
                {
                    foreach (string note in RateOptions.Check(codec, defaults))
                    {
                        error.WriteLine(note);
                    }

                    defaults = metadata.Apply(result, defaults);
                    codec.ResolveModel(defaults);
                }

                string outputDirectory = Path.GetFullPath(result.GetValue(output)!);
                IReadOnlyList<BatchItem> listed = BatchListing.List(result.GetValue(input)!, mode, result.GetValue(root));
                Dictionary<string, string> conflicts = BatchRunner.FindConflicts(listed, outputDirectory);
                BatchItem[] mine = [.. listed.Where(i => which.Owns(i.RelativePath))];
                Directory.CreateDirectory(outputDirectory);
                int stale = BatchRunner.RemoveStaleTemporaryFiles(mine, outputDirectory);
                if (stale > 0)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"removed {stale} temporary file(s) an interrupted run of this shard left"));
                }

                string reportPath = result.GetValue(report) ?? Path.Combine(
                    outputDirectory, ".nic-batch", string.Create(CultureInfo.InvariantCulture, $"report-{which.Index}-of-{which.Count}.jsonl"));
                writer = new BatchReportWriter(reportPath);
                var progress = new ProgressLine(error, $"batch {(encode ? "encode" : "decode")} {which}");
                BatchTotals totals = await new BatchRunner(codec, mode, outputDirectory, defaults)
                    .RunAsync(mine, conflicts, which, writer, progress, cancellationToken);
                progress.Finish();
                writer.Complete();
                int exitCode = totals.Failed > 0 ? SomeItemsFailed : AllDone;
                WriteSummary(result.InvocationConfiguration.Output, result.GetValue(json), new BatchSummary
                {
                    Mode = encode ? "encode" : "decode",
                    Shard = which.ToString(),
                    ShardSource = which.Source,
                    Listed = listed.Count,
                    Items = mine.Length,
                    Done = totals.Done,
                    Skipped = totals.Skipped,
                    Failed = totals.Failed,
                    BytesIn = totals.BytesIn,
                    BytesOut = totals.BytesOut,
                    Pixels = totals.Pixels,
                    Bpp = totals.Pixels > 0 ? (encode ? totals.BytesOut : totals.BytesIn) * 8.0 / totals.Pixels : null,
                    Seconds = totals.Seconds,
                    ImagesPerSecond = totals.Seconds > 0 ? totals.Done / totals.Seconds : 0,
                    Report = writer.Path,
                    ExitCode = exitCode,
                });
                return exitCode;
            }
            catch (OperationCanceledException) when (writer is not null)
            {
                error.WriteLine($"interrupted; the outputs done so far are complete and kept, no partial output is left, and {writer.PartialPath} lists them: run the same command again to finish");
                return ExitCodes.Cancelled;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException)
            {
                return CommandErrors.Report(e, error);
            }
            finally
            {
                writer?.Dispose();
            }
        });
        return command;
    }

    private static void WriteSummary(TextWriter output, bool json, BatchSummary summary)
    {
        if (json)
        {
            var indented = new BatchJsonContext(new JsonSerializerOptions(BatchJsonContext.Default.Options) { WriteIndented = true });
            output.WriteLine(JsonSerializer.Serialize(summary, indented.BatchSummary));
            return;
        }

        string bpp = summary.Bpp is double b ? string.Create(CultureInfo.InvariantCulture, $"{b:F4} bpp") : "no bpp";
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"batch {summary.Mode} shard {summary.Shard} ({summary.ShardSource}): {summary.Items:N0} of {summary.Listed:N0} items: {summary.Done:N0} done, {summary.Skipped:N0} skipped, {summary.Failed:N0} failed; {summary.BytesIn:N0} bytes in, {summary.BytesOut:N0} bytes out, {bpp}; {summary.ImagesPerSecond:F2} images/s in {summary.Seconds:F1} s; report {summary.Report}"));
    }
}
