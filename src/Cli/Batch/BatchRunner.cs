using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Nic.Cli.Commands;
using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Format;

namespace Nic.Cli.Batch;

/// <summary>
/// Runs one shard of a batch: each of its items is coded into the output tree unless a complete output is there
/// already, its fate appended to the shard's JSONL report; a failed item is recorded and the shard goes on.
/// </summary>
internal sealed class BatchRunner(NicCodec codec, BatchMode mode, string outputDirectory, NicEncodeOptions defaults)
{
    /// <summary>The error code of items whose outputs would collide (two inputs, one output path).</summary>
    public const string OutputConflict = "OutputConflict";

    private static readonly byte[] PngEnd = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    /// <summary>The items that may not be done because another item of the listing has the same output, with the reason.</summary>
    public static Dictionary<string, string> FindConflicts(IReadOnlyList<BatchItem> items, string outputDirectory)
    {
        var conflicts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (IGrouping<string, BatchItem> group in items.GroupBy(i => i.OutputRelativePath, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            string all = string.Join(", ", group.Select(i => i.RelativePath));
            foreach (BatchItem item in group)
            {
                conflicts[item.RelativePath] = $"the inputs {all} would all be written to '{group.Key}'; rename one or list it in a manifest of its own";
            }
        }

        foreach (BatchItem item in items)
        {
            if (Path.GetFullPath(Path.Combine(outputDirectory, item.OutputRelativePath)) == item.InputPath)
            {
                conflicts[item.RelativePath] = $"the output '{item.OutputRelativePath}' is the input itself";
            }
        }

        return conflicts;
    }

    /// <summary>
    /// Deletes the temporary files a killed run left next to this shard's outputs (<see cref="AtomicFile"/> names them
    /// <c>.NAME.GUID.tmp</c>); each output belongs to one shard, so no other shard's file is touched. Returns how many.
    /// </summary>
    public static int RemoveStaleTemporaryFiles(IReadOnlyList<BatchItem> items, string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory))
        {
            return 0;
        }

        var outputs = new HashSet<string>(items.Select(i => i.OutputRelativePath), StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(outputDirectory, ".*.tmp", options))
        {
            string name = Path.GetFileName(file);
            int guid = name.Length - ".0123456789abcdef0123456789abcdef.tmp".Length;
            if (guid < 2 || name[guid] != '.' || name.AsSpan(guid + 1, 32).ContainsAnyExcept("0123456789abcdef"))
            {
                continue;
            }

            string folder = Path.GetRelativePath(outputDirectory, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '/');
            string target = (folder == "." ? string.Empty : folder + "/") + name[1..guid];
            if (outputs.Contains(target))
            {
                File.Delete(file);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Runs <paramref name="items"/> (this shard's) one after the other, each on the codec's threads, appending to
    /// <paramref name="report"/>. (Several items at once on those threads was no faster: docs/batch.md.)
    /// </summary>
    public async Task<BatchTotals> RunAsync(
        IReadOnlyList<BatchItem> items,
        IReadOnlyDictionary<string, string> conflicts,
        BatchShard shard,
        BatchReportWriter report,
        ProgressLine progress,
        CancellationToken cancellationToken)
    {
        var totals = new BatchTotals();
        var watch = Stopwatch.StartNew();
        foreach (BatchItem item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BatchReportLine line = conflicts.TryGetValue(item.RelativePath, out string? conflict)
                ? Failed(item, shard, OutputConflict, conflict, ExitCodes.UsageOrFile, 0)
                : await RunItemAsync(item, shard, cancellationToken);
            totals.Add(line);
            report.Write(line);
            progress.Report(totals.Processed, items.Count, $"images ({totals.Failed} failed)");
        }

        totals.Seconds = watch.Elapsed.TotalSeconds;
        return totals;
    }

    private async Task<BatchReportLine> RunItemAsync(BatchItem item, BatchShard shard, CancellationToken cancellationToken)
    {
        string output = Path.Combine(outputDirectory, item.OutputRelativePath);
        var watch = Stopwatch.StartNew();
        try
        {
            // An item that chooses its own rate replaces the defaults' choice, whichever flag that was.
            bool ownRate = item.Quality is not null || item.RatePoint is not null;
            NicEncodeOptions options = defaults with
            {
                Model = item.Model ?? defaults.Model,
                Quality = ownRate ? item.Quality : defaults.Quality,
                RatePoint = ownRate ? item.RatePoint : defaults.RatePoint,
            };
            NicModelEntry? model = null;
            if (mode == BatchMode.Encode)
            {
                RateOptions.Check(codec, options);
                model = codec.ResolveModel(options);
            }

            if (IsComplete(output, model, out NicHeader? header))
            {
                return header is null
                    ? new BatchReportLine { Path = item.RelativePath, Output = item.OutputRelativePath, Status = "skipped", Shard = shard.ToString() }
                    : Skipped(item, shard, header, new FileInfo(output).Length, model!.Name);
            }

            long bytesIn = new FileInfo(item.InputPath).Length;
            if (mode == BatchMode.Encode)
            {
                RgbImage image = ImageFiles.Read(item.InputPath);
                Directory.CreateDirectory(Path.GetDirectoryName(output)!);
                NicEncodeResult encoded = await codec.EncodeFileAsync(image, output, options, cancellationToken);
                return Done(item, shard, bytesIn, encoded.Bytes, image.Width, image.Height, encoded.Bytes, model!.Name, watch.Elapsed.TotalSeconds);
            }

            await using FileStream stream = new(item.InputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using NicRowDecoder decoder = await codec.OpenAsync(stream, cancellationToken);
            RgbImage decoded = await decoder.ReadImageAsync(cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            ImageFiles.WritePng(output, decoded);
            return Done(item, shard, bytesIn, new FileInfo(output).Length, decoded.Width, decoded.Height, bytesIn, decoder.Info.Model.Name, watch.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            (string code, string message, int exitClass) = Classify(e);
            return Failed(item, shard, code, message, exitClass, watch.Elapsed.TotalSeconds);
        }
    }

    /// <summary>
    /// Whether <paramref name="output"/> is a complete output of this batch. Outputs are written atomically, so one that
    /// exists is whole; a .nic file is also parsed through its DONE chunk (checksums included) and must be coded with
    /// the model the item asks for (else it is coded again), a PNG must end with its IEND chunk.
    /// </summary>
    private static bool IsComplete(string output, NicModelEntry? model, out NicHeader? header)
    {
        header = null;
        if (!File.Exists(output))
        {
            return false;
        }

        try
        {
            if (model is not null)
            {
                NicFile file = NicFile.Read(File.ReadAllBytes(output));
                header = file.Header;
                // A model interpolated from a family file is named by the family and its rate position (spec/nic-format.md §7.1).
                return model.File.FamilyId is NicModelId family
                    ? file.Header.Model.Equals(family) && file.Header.RateParameter == (float)model.File.RatePosition!.Value
                    : file.Header.Model.Equals(model.File.Id);
            }

            using var stream = new FileStream(output, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length < PngEnd.Length + 8)
            {
                return false;
            }

            Span<byte> end = stackalloc byte[PngEnd.Length];
            stream.Seek(-PngEnd.Length, SeekOrigin.End);
            stream.ReadExactly(end);
            return end.SequenceEqual(PngEnd);
        }
        catch (NicException)
        {
            return false;
        }
    }

    /// <summary>The stable code, message and exit class (the exit code the single-file command would give) of an item's failure.</summary>
    public static (string Code, string Message, int ExitClass) Classify(Exception exception) => exception switch
    {
        NicFormatException format => (format.ErrorCode, $"{format.ErrorCode} at byte {format.Offset}: {format.Detail}", ExitCodes.InvalidData),
        NicCodecException { Error: NicCodecError.UnknownModel or NicCodecError.ModelHashMismatch or NicCodecError.ModelNotFound } model
            => (model.ErrorCode, model.Message, ExitCodes.ModelUnavailable),
        NicException codec => (codec.ErrorCode, codec.Message, ExitCodes.InvalidData),
        ImageFileException image => ("InvalidImage", image.Message, ExitCodes.InvalidData),
        ArgumentException argument => ("BadOption", argument.Message, ExitCodes.UsageOrFile),
        FileNotFoundException or DirectoryNotFoundException => ("InputNotFound", exception.Message, ExitCodes.UsageOrFile),
        UnauthorizedAccessException => ("AccessDenied", exception.Message, ExitCodes.UsageOrFile),
        IOException => ("FileError", exception.Message, ExitCodes.UsageOrFile),
        _ => ("InternalError", $"{exception.GetType().Name}: {exception.Message}", ExitCodes.UsageOrFile),
    };

    private static BatchReportLine Done(BatchItem item, BatchShard shard, long bytesIn, long bytesOut, int width, int height, long nicBytes, string model, double seconds) => new()
    {
        Path = item.RelativePath,
        Output = item.OutputRelativePath,
        Status = "done",
        Shard = shard.ToString(),
        BytesIn = bytesIn,
        BytesOut = bytesOut,
        Width = width,
        Height = height,
        Bpp = Math.Round(nicBytes * 8.0 / ((double)width * height), 6),
        Model = model,
        Seconds = Math.Round(seconds, 4),
    };

    /// <summary>A skipped encode's line, with the sizes of the .nic file there, so that a report of a rerun still sums up the whole set.</summary>
    private static BatchReportLine Skipped(BatchItem item, BatchShard shard, NicHeader header, long bytesOut, string model) => new()
    {
        Path = item.RelativePath,
        Output = item.OutputRelativePath,
        Status = "skipped",
        Shard = shard.ToString(),
        BytesIn = File.Exists(item.InputPath) ? new FileInfo(item.InputPath).Length : null,
        BytesOut = bytesOut,
        Width = header.Width,
        Height = header.Height,
        Bpp = Math.Round(bytesOut * 8.0 / ((double)header.Width * header.Height), 6),
        Model = model,
    };

    private static BatchReportLine Failed(BatchItem item, BatchShard shard, string code, string message, int exitClass, double seconds) => new()
    {
        Path = item.RelativePath,
        Output = item.OutputRelativePath,
        Status = "failed",
        Shard = shard.ToString(),
        Seconds = Math.Round(seconds, 4),
        ErrorCode = code,
        Message = message,
        ExitClass = exitClass,
    };
}

/// <summary>The counts and sums of a shard's run so far.</summary>
internal sealed class BatchTotals
{
    public int Done { get; private set; }

    public int Skipped { get; private set; }

    public int Failed { get; private set; }

    public long BytesIn { get; private set; }

    public long BytesOut { get; private set; }

    public long Pixels { get; private set; }

    public double Seconds { get; set; }

    public int Processed => Done + Skipped + Failed;

    public void Add(BatchReportLine line)
    {
        switch (line.Status)
        {
            case "done":
                Done++;
                BytesIn += line.BytesIn ?? 0;
                BytesOut += line.BytesOut ?? 0;
                Pixels += (long)(line.Width ?? 0) * (line.Height ?? 0);
                break;
            case "skipped":
                Skipped++;
                break;
            default:
                Failed++;
                break;
        }
    }
}

/// <summary>
/// A shard's JSONL report: one line per item, flushed as each item ends, into <c>FILE.partial</c> while the shard runs;
/// renamed to FILE when the shard has been through all of its items, so that a finished shard's report is exactly one
/// line per item and a killed one leaves only the <c>.partial</c> file (its next run starts the report afresh).
/// </summary>
internal sealed class BatchReportWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public BatchReportWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = new StreamWriter(new FileStream(PartialPath, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    /// <summary>Where the finished report goes.</summary>
    public string Path { get; }

    /// <summary>Where the report is written while the shard runs.</summary>
    public string PartialPath => Path + ".partial";

    public void Write(BatchReportLine line)
    {
        _writer.Write(JsonSerializer.Serialize(line, BatchJsonContext.Default.BatchReportLine));
        _writer.Write('\n');
        _writer.Flush();
    }

    /// <summary>Flushes the report to disk and gives it its final name.</summary>
    public void Complete()
    {
        _writer.Flush();
        ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
        _writer.Dispose();
        File.Move(PartialPath, Path, overwrite: true);
    }

    public void Dispose() => _writer.Dispose();
}
