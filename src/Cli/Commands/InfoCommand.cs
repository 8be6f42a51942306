using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Cli.Json;
using Nic.Format;

namespace Nic.Cli.Commands;

/// <summary><c>nic info FILE [--json]</c>: prints a <c>.nic</c> file's header and chunk list.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The .nic file to describe; - reads standard input." };
        var json = new Option<bool>("--json") { Description = "Print a JSON document instead of text." };
        var command = new Command("info", "Print the header and chunk list of a .nic file.") { file, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(file)!,
            parseResult.GetValue(json),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo file, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        FileDescription description;
        try
        {
            description = StandardStreams.IsDash(file)
                ? await DescribeAsync(new NicReader(StandardStreams.OpenInput()), StandardStreams.Dash, cancellationToken)
                : await DescribeAsync(NicReader.Open(file.FullName), file.FullName, cancellationToken);
        }
        catch (NicFormatException e)
        {
            await error.WriteLineAsync($"error: {e.ErrorCode} at byte {e.Offset}: {e.Detail}");
            return ExitCodes.InvalidData;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            await error.WriteLineAsync($"error: cannot read '{file.FullName}': {e.Message}");
            return ExitCodes.UsageOrFile;
        }

        await output.WriteAsync(json ? FormatJson(description) : FormatText(description));
        return 0;
    }

    private static async Task<FileDescription> DescribeAsync(NicReader opened, string path, CancellationToken cancellationToken)
    {
        await using NicReader reader = opened;
        var chunks = new List<ChunkDescription>();
        while (await reader.ReadChunkAsync(cancellationToken) is { } chunk)
        {
            chunks.Add(new ChunkDescription(chunk.Offset, chunk.Type.ToString(), chunk.Length, chunk.Crc));
        }

        // After DONE the reader returns the metadata it has read (compressed items restored), without reading further.
        NicMetadata metadata = await reader.ReadMetadataAsync(cancellationToken);
        MetadataDescription? Describe(byte[]? item, NicChunkType raw, NicChunkType compressed) =>
            item is null ? null : new MetadataDescription(item.Length, chunks.First(c => c.Type == raw.ToString() || c.Type == compressed.ToString()));

        return new FileDescription(
            path,
            reader.FormatVersion!,
            reader.Header!,
            Describe(metadata.IccProfile, NicChunkType.Iccp, NicChunkType.Iccz),
            Describe(metadata.Exif, NicChunkType.Exif, NicChunkType.Exfz),
            Describe(metadata.Xmp, NicChunkType.Xmpp, NicChunkType.Xmpz),
            chunks);
    }

    private static string FormatText(FileDescription d)
    {
        var h = d.Header;
        var text = new StringBuilder();
        void Line(string name, string value) => text.Append(CultureInfo.InvariantCulture, $"{name,-16}{value}\n");

        Line("file", d.Path);
        Line("version", d.Version.ToString(2));
        Line("size", $"{h.Width} x {h.Height}");
        Line("channel layout", ChannelLayoutName(h.ChannelLayout));
        Line("padding", $"{PaddingRuleName(h.PaddingRule)} to a multiple of {h.Alignment}");
        Line("model", h.Model.Name);
        Line("model sha256", h.Model.Sha256Hex);
        Line("rate point", h.RatePoint.ToString(CultureInfo.InvariantCulture));
        Line("rate parameter", h.RateParameter.ToString("R", CultureInfo.InvariantCulture));
        Line("z shape", h.HasHyperprior ? h.ZShape.ToString() : "none");
        Line("y shape", h.YShape.ToString());
        Line("band layout", $"{BandLayoutName(h.BandLayout)}, {h.BandRows} rows per band");
        Line("bands", h.BandCount.ToString(CultureInfo.InvariantCulture));
        Line("icc profile", BytesOrNone(d.Icc));
        Line("exif", BytesOrNone(d.Exif));
        Line("xmp", BytesOrNone(d.Xmp));
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"{"offset",10}  {"type",-4}  {"length",10}  {"crc",-8}\n");
        foreach (var c in d.Chunks)
        {
            text.Append(CultureInfo.InvariantCulture, $"{c.Offset,10}  {c.Type,-4}  {c.Length,10}  {c.Crc:x8} ok\n");
        }

        return text.ToString();
    }

    private static string FormatJson(FileDescription d)
    {
        var h = d.Header;
        return NicJsonContext.Format(
            new InfoJson(
                d.Path,
                d.Version.ToString(2),
                h.Width,
                h.Height,
                ChannelLayoutName(h.ChannelLayout),
                PaddingRuleName(h.PaddingRule),
                h.Alignment,
                new InfoModelJson(h.Model.Name, h.Model.Sha256Hex),
                h.RatePoint,
                h.RateParameter,
                [h.ZShape.Channels, h.ZShape.Height, h.ZShape.Width],
                [h.YShape.Channels, h.YShape.Height, h.YShape.Width],
                BandLayoutName(h.BandLayout),
                h.BandRows,
                h.BandCount,
                new InfoMetadataJson(d.Icc?.Bytes, d.Exif?.Bytes, d.Xmp?.Bytes, d.Icc?.Chunk.Length, d.Exif?.Chunk.Length, d.Xmp?.Chunk.Length),
                [.. d.Chunks.Select(c => new InfoChunkJson(c.Offset, c.Type, c.Length, c.Crc.ToString("x8", CultureInfo.InvariantCulture)))]),
            NicJsonContext.Default.InfoJson);
    }

    /// <summary>Writes a latent shape as [channels, height, width].</summary>
    internal static void WriteShape(Utf8JsonWriter json, string name, NicLatentShape shape)
    {
        json.WriteStartArray(name);
        json.WriteNumberValue(shape.Channels);
        json.WriteNumberValue(shape.Height);
        json.WriteNumberValue(shape.Width);
        json.WriteEndArray();
    }

    /// <summary>"6922 bytes" for a raw item, "6922 bytes, 2190 stored (iccz, Brotli)" for a compressed one, "none" for none.</summary>
    private static string BytesOrNone(MetadataDescription? item) => item switch
    {
        null => "none",
        { Chunk.Type: "iccp" or "exif" or "xmpp" } => string.Create(CultureInfo.InvariantCulture, $"{item.Bytes} bytes"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{item.Bytes} bytes, {item.Chunk.Length} stored ({item.Chunk.Type}, Brotli)"),
    };

    private static string ChannelLayoutName(NicChannelLayout layout) => layout switch
    {
        NicChannelLayout.Rgb8 => "rgb8",
        _ => layout.ToString().ToLowerInvariant(),
    };

    private static string PaddingRuleName(NicPaddingRule rule) => rule switch
    {
        NicPaddingRule.ReplicateEdges => "replicate_edges",
        _ => rule.ToString().ToLowerInvariant(),
    };

    private static string BandLayoutName(NicBandLayout layout) => layout switch
    {
        NicBandLayout.HorizontalRows => "horizontal_rows",
        _ => layout.ToString().ToLowerInvariant(),
    };

    private sealed record ChunkDescription(long Offset, string Type, int Length, uint Crc);

    /// <summary>A metadata item: its own length and the chunk that stores it (raw or compressed).</summary>
    private sealed record MetadataDescription(int Bytes, ChunkDescription Chunk);

    private sealed record FileDescription(
        string Path, Version Version, NicHeader Header, MetadataDescription? Icc, MetadataDescription? Exif, MetadataDescription? Xmp, IReadOnlyList<ChunkDescription> Chunks);
}
