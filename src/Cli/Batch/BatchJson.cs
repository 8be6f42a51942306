using System.Text.Json.Serialization;

namespace Nic.Cli.Batch;

/// <summary>One line of a JSONL manifest: <c>{"path": "a/b.png", "quality": 62.5, "model": "nic-mbt2018-mean"}</c> (or <c>"rate_point": 5</c>).</summary>
internal sealed class BatchManifestLine
{
    /// <summary>The input, relative to the manifest's root (or absolute, under it).</summary>
    public string? Path { get; set; }

    /// <summary>The quality (0–100, Nic's scale) for this item (encode only).</summary>
    public double? Quality { get; set; }

    /// <summary>The trained rate point for this item (encode only).</summary>
    public int? RatePoint { get; set; }

    /// <summary>The model or family for this item (encode only).</summary>
    public string? Model { get; set; }
}

/// <summary>One line of a shard's JSONL report: what became of one item.</summary>
internal sealed class BatchReportLine
{
    /// <summary>The input, relative to the batch's root.</summary>
    public required string Path { get; init; }

    /// <summary>The output, relative to the output folder.</summary>
    public required string Output { get; init; }

    /// <summary><c>done</c>, <c>skipped</c> (a complete output was there) or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The shard that did it, "K/N".</summary>
    public required string Shard { get; init; }

    /// <summary>Bytes of the input file (done items).</summary>
    public long? BytesIn { get; init; }

    /// <summary>Bytes of the output file (done items).</summary>
    public long? BytesOut { get; init; }

    /// <summary>Image width (done items).</summary>
    public int? Width { get; init; }

    /// <summary>Image height (done items).</summary>
    public int? Height { get; init; }

    /// <summary>Bits per pixel of the .nic file (done items).</summary>
    public double? Bpp { get; init; }

    /// <summary>The model of the .nic file (done items).</summary>
    public string? Model { get; init; }

    /// <summary>Seconds the item took (done and failed items).</summary>
    public double? Seconds { get; init; }

    /// <summary>The stable error code (failed items): the SDK's (<c>BadChecksum</c>, <c>UnknownModel</c>…) or the batch's own.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The error message (failed items).</summary>
    public string? Message { get; init; }

    /// <summary>The exit code <c>nic encode</c>/<c>nic decode</c> would have given the item alone (failed items): 1, 2 or 3.</summary>
    public int? ExitClass { get; init; }
}

/// <summary>The one summary of a run, printed with <c>--json</c>.</summary>
internal sealed class BatchSummary
{
    public required string Mode { get; init; }

    public required string Shard { get; init; }

    public required string ShardSource { get; init; }

    /// <summary>Items of the whole listing, every shard's.</summary>
    public required int Listed { get; init; }

    /// <summary>Items of this shard.</summary>
    public required int Items { get; init; }

    public required int Done { get; init; }

    public required int Skipped { get; init; }

    public required int Failed { get; init; }

    /// <summary>Bytes read by the done items.</summary>
    public required long BytesIn { get; init; }

    /// <summary>Bytes written by the done items.</summary>
    public required long BytesOut { get; init; }

    /// <summary>Pixels of the done items.</summary>
    public required long Pixels { get; init; }

    /// <summary>Bits per pixel of the .nic files of the done items (null when none).</summary>
    public double? Bpp { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Done items per second of the run.</summary>
    public required double ImagesPerSecond { get; init; }

    public required string Report { get; init; }

    public required int ExitCode { get; init; }
}

/// <summary>The JSON of <c>nic batch</c>: the manifest lines it reads, the report lines and the summary it writes (snake_case).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(BatchManifestLine))]
[JsonSerializable(typeof(BatchReportLine))]
[JsonSerializable(typeof(BatchSummary))]
internal sealed partial class BatchJsonContext : JsonSerializerContext;
