using System.Security.Cryptography;
using System.Text.Json;
using Nic.Format;
using Nic.Format.Tests;

namespace Nic.Cli.Tests;

public sealed class InfoCommandTests : IDisposable
{
    private static readonly NicHeader Header = new()
    {
        Width = 2,
        Height = 3,
        Alignment = 64,
        RatePoint = 3,
        RateParameter = 0.0067f,
        Model = new NicModelId("bmshj2018-hyperprior", SHA256.HashData([])),
        ZShape = new NicLatentShape(128, 1, 1),
        YShape = new NicLatentShape(192, 4, 4),
        BandRows = 2,
    };

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("nic-cli-test-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Text_output_lists_the_header_and_chunks()
    {
        var path = WriteSample();

        var (exitCode, output, error) = Run("info", path);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("2 x 3", output);
        Assert.Contains("bmshj2018-hyperprior", output);
        Assert.Contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", output);
        Assert.Contains("192x4x4", output);
        Assert.Contains("128x1x1", output);
        Assert.Contains("36 bytes", output);
        string[] chunkLines = [.. output.Split('\n').Where(line => line.EndsWith(" ok", StringComparison.Ordinal))];
        Assert.Equal(6, chunkLines.Length);
        Assert.Matches(@"^\s+10\s+HEAD\s+98\s+[0-9a-f]{8} ok$", chunkLines[0]);
        Assert.Matches(@"^\s+\d+\s+DONE\s+0\s+[0-9a-f]{8} ok$", chunkLines[^1]);
    }

    [Fact]
    public void Json_output_has_the_documented_fields()
    {
        var path = WriteSample();

        var (exitCode, output, _) = Run("info", path, "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("width").GetInt32());
        Assert.Equal(3, root.GetProperty("height").GetInt32());
        Assert.Equal("rgb8", root.GetProperty("channel_layout").GetString());
        Assert.Equal("bmshj2018-hyperprior", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal(64, root.GetProperty("model").GetProperty("sha256").GetString()!.Length);
        Assert.Equal(3, root.GetProperty("rate_point").GetInt32());
        Assert.Equal(0.0067f, root.GetProperty("rate_parameter").GetSingle());
        Assert.Equal([128, 1, 1], root.GetProperty("z_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([192, 4, 4], root.GetProperty("y_shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, root.GetProperty("band_rows").GetInt32());
        Assert.Equal(2, root.GetProperty("bands").GetInt32());
        var metadata = root.GetProperty("metadata");
        Assert.Equal(36, metadata.GetProperty("exif_bytes").GetInt32());
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("icc_bytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("xmp_bytes").ValueKind);
        Assert.Equal(36, metadata.GetProperty("exif_stored_bytes").GetInt32());
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("icc_stored_bytes").ValueKind);
        var chunks = root.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(["HEAD", "exif", "ZSUB", "YBND", "YBND", "DONE"], chunks.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal(10, chunks[0].GetProperty("offset").GetInt64());
        Assert.Equal(98, chunks[0].GetProperty("length").GetInt32());
        Assert.Equal(new FileInfo(path).Length, chunks[^1].GetProperty("offset").GetInt64() + 12);
    }

    [Fact]
    public void A_corrupt_file_prints_the_error_code_and_offset_and_exits_with_2()
    {
        var path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        bytes[30] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var (exitCode, output, error) = Run("info", path);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("error: BadChecksum at byte 10: ", error);
    }

    [Fact]
    public void A_truncated_file_exits_with_2()
    {
        var path = WriteSample();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..50]);

        var (exitCode, _, error) = Run("info", path, "--json");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: Truncated at byte 10: ", error);
    }

    [Fact]
    public void A_missing_file_exits_with_1()
    {
        var path = Path.Combine(_folder.FullName, "missing.nic");

        var (exitCode, output, error) = Run("info", path);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains("cannot read", error);
        Assert.Contains("missing.nic", error);
    }

    [Fact]
    public void Compressed_metadata_shows_each_items_length_and_its_stored_length()
    {
        var metadata = new NicMetadata
        {
            IccProfile = MetadataSamples.Read("sRGB.icc"),
            Exif = new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0 },
            Xmp = MetadataSamples.Read("coldripple.xmp"),
        };
        var path = WriteSample(metadata, compress: true);
        int StoredLength(string type)
        {
            using var reader = new NicReader(File.ReadAllBytes(path));
            while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is { } chunk)
            {
                if (chunk.Type.ToString() == type)
                {
                    return chunk.Length;
                }
            }

            throw new InvalidOperationException($"no {type} chunk");
        }

        int iccStored = StoredLength("iccz"), xmpStored = StoredLength("xmpz");
        Assert.True(iccStored < 6922 && xmpStored < 3261);

        var (exitCode, output, _) = Run("info", path);
        Assert.Equal(0, exitCode);
        Assert.Contains("version         1.1\n", output);
        Assert.Contains($"icc profile     6922 bytes, {iccStored} stored (iccz, Brotli)\n", output);
        Assert.Contains("exif            10 bytes\n", output);
        Assert.Contains($"xmp             3261 bytes, {xmpStored} stored (xmpz, Brotli)\n", output);
        Assert.Matches($@"\n\s+\d+\s+iccz\s+{iccStored}\s+[0-9a-f]{{8}} ok\n", output);

        var (jsonExit, json, _) = Run("info", path, "--json");
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("1.1", document.RootElement.GetProperty("version").GetString());
        var items = document.RootElement.GetProperty("metadata");
        Assert.Equal(6922, items.GetProperty("icc_bytes").GetInt32());
        Assert.Equal(iccStored, items.GetProperty("icc_stored_bytes").GetInt32());
        Assert.Equal(10, items.GetProperty("exif_bytes").GetInt32());
        Assert.Equal(10, items.GetProperty("exif_stored_bytes").GetInt32());
        Assert.Equal(3261, items.GetProperty("xmp_bytes").GetInt32());
        Assert.Equal(xmpStored, items.GetProperty("xmp_stored_bytes").GetInt32());
        Assert.Equal(["HEAD", "iccz", "exif", "xmpz", "ZSUB", "YBND", "YBND", "DONE"], document.RootElement.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("type").GetString()));
    }

    /// <summary>The spec example with 36 bytes of EXIF in the raw chunk (format 1.0), or <paramref name="metadata"/>.</summary>
    private string WriteSample(NicMetadata? metadata = null, bool compress = false)
    {
        var path = Path.Combine(_folder.FullName, "sample.nic");
        using var stream = File.Create(path);
        using var writer = new NicWriter(stream);
        writer.WriteHeader(Header);
        writer.WriteMetadata(metadata ?? new NicMetadata { Exif = new byte[36] }, compress);
        writer.WriteZSubstream([1, 2, 3, 4, 5]);
        writer.WriteBand([0xA0, 0xA1, 0xA2]);
        writer.WriteBand([0xB0, 0xB1]);
        writer.Complete();
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);
}
