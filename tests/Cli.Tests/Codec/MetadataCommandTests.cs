using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Format.Tests;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// <c>nic encode --strip / --keep / --uncompressed-metadata</c> on a JPEG that carries a real ICC profile, EXIF block and
/// XMP packet (samples/metadata), with a small model in a --models directory.
/// </summary>
public sealed class MetadataCommandTests : IDisposable
{
    private static readonly NicMetadata Real = new()
    {
        IccProfile = MetadataSamples.Read("sRGB.icc"),
        Exif = MetadataSamples.Read("blinds.exif"),
        Xmp = MetadataSamples.Read("coldripple.xmp"),
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-metadata-").FullName;
    private readonly string _models;
    private readonly string _modelName;
    private readonly string _input;

    public MetadataCommandTests()
    {
        _models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        byte[] model = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 5);
        File.WriteAllBytes(Path.Combine(_models, "small.nicm"), model);
        _modelName = NicModelFile.Load(model).Name;

        // A JPEG as a camera writes it: EXIF in APP1, XMP in another APP1, the ICC profile in APP2.
        _input = Path.Combine(_directory, "photo.jpg");
        File.WriteAllBytes(_input, TestImageFiles.InsertAfterStartOfImage(
            TestImageFiles.Jpeg(CodecCommandTests.Photo(96, 64)),
            TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), Real.Exif!),
            TestImageFiles.JpegSegmentBytes(0xE1, "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), Real.Xmp!),
            TestImageFiles.IccSegment(Real.IccProfile!, 1, 1)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void By_default_every_item_is_kept_compressed_and_the_json_says_what_it_costs()
    {
        var (nic, json) = Encode("all.nic");

        NicFile file = NicFile.Read(File.ReadAllBytes(nic));
        Assert.Equal(Real.IccProfile, file.Metadata.IccProfile);
        Assert.Equal(Real.Exif, file.Metadata.Exif);
        Assert.Equal(Real.Xmp, file.Metadata.Xmp);
        List<(string Type, long Total)> chunks = Chunks(nic);
        Assert.Equal(["HEAD", "iccz", "exfz", "xmpz", "ZSUB"], chunks.Take(5).Select(c => c.Type));
        Assert.Equal(["icc", "exif", "xmp"], json.GetProperty("metadata").EnumerateArray().Select(e => e.GetString()));
        long metadataBytes = chunks.Where(c => c.Type is "iccz" or "exfz" or "xmpz").Sum(c => c.Total);
        Assert.Equal(metadataBytes, json.GetProperty("metadata_bytes").GetInt64());
        Assert.True(metadataBytes * 2 < Real.IccProfile!.Length + Real.Exif!.Length + Real.Xmp!.Length);
    }

    [Fact]
    public void Strip_leaves_every_item_out_and_the_file_is_that_much_smaller()
    {
        var (all, allJson) = Encode("all.nic");
        var (stripped, json) = Encode("stripped.nic", "--strip");

        Assert.True(NicFile.Read(File.ReadAllBytes(stripped)).Metadata.IsEmpty);
        Assert.Empty(json.GetProperty("metadata").EnumerateArray());
        Assert.Equal(0, json.GetProperty("metadata_bytes").GetInt64());
        Assert.Equal(new FileInfo(all).Length - allJson.GetProperty("metadata_bytes").GetInt64(), new FileInfo(stripped).Length);
        Assert.Equal(File.ReadAllBytes(stripped), File.ReadAllBytes(Encode("none.nic", "--keep", "none").Nic));
    }

    [Theory]
    [InlineData("icc", true, false, false)]
    [InlineData("exif,xmp", false, true, true)]
    [InlineData("XMP, icc", true, false, true)]
    [InlineData("all", true, true, true)]
    public void Keep_carries_only_the_items_named(string keep, bool icc, bool exif, bool xmp)
    {
        var (nic, json) = Encode("kept.nic", "--keep", keep);

        NicMetadata carried = NicFile.Read(File.ReadAllBytes(nic)).Metadata;
        Assert.Equal(icc ? Real.IccProfile : null, carried.IccProfile);
        Assert.Equal(exif ? Real.Exif : null, carried.Exif);
        Assert.Equal(xmp ? Real.Xmp : null, carried.Xmp);
        string[] expected = [.. new[] { (icc, "icc"), (exif, "exif"), (xmp, "xmp") }.Where(p => p.Item1).Select(p => p.Item2)];
        Assert.Equal(expected, json.GetProperty("metadata").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Uncompressed_metadata_writes_the_raw_chunks_of_format_1_0()
    {
        var (nic, json) = Encode("raw.nic", "--uncompressed-metadata");

        byte[] bytes = File.ReadAllBytes(nic);
        Assert.Equal(0, bytes[9]);
        Assert.Equal(["HEAD", "iccp", "exif", "xmpp", "ZSUB"], Chunks(nic).Take(5).Select(c => c.Type));
        Assert.Equal(12L * 3 + Real.IccProfile!.Length + Real.Exif!.Length + Real.Xmp!.Length, json.GetProperty("metadata_bytes").GetInt64());
        Assert.Equal(Real.Exif, NicFile.Read(bytes).Metadata.Exif);
        Assert.Equal(1, File.ReadAllBytes(Encode("compressed.nic").Nic)[9]);
    }

    [Fact]
    public void The_text_result_line_says_what_the_metadata_costs()
    {
        var run = CliRunner.Run("encode", _input, "-o", Path.Combine(_directory, "t.nic"), "--models", _models, "--model", _modelName, "--keep", "icc");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"bytes \(metadata icc: [\d,]+ bytes\),", run.Output);
    }

    [Theory]
    [InlineData("--keep", "gps")]
    [InlineData("--keep", "icc,all")]
    [InlineData("--keep", "")]
    [InlineData("--strip", "--keep", "icc")]
    public void A_bad_metadata_choice_is_a_usage_error_naming_the_flag(params string[] flags)
    {
        string output = Path.Combine(_directory, "bad.nic");
        var run = CliRunner.Run(["encode", _input, "-o", output, "--models", _models, "--model", _modelName, .. flags]);

        Assert.Equal(ExitCodes.UsageOrFile, run.ExitCode);
        Assert.Contains("--keep", run.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Bench_metadata_measures_the_items_of_images_and_item_files()
    {
        string icc = Path.Combine(_directory, "profile.icc");
        File.WriteAllBytes(icc, Real.IccProfile!);

        var run = CliRunner.Run("bench", "metadata", _input, icc, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        // The profile file holds the same bytes as the JPEG's: measured once.
        JsonElement[] items = [.. document.RootElement.GetProperty("items").EnumerateArray()];
        Assert.Equal(["icc", "exif", "xmp"], items.Select(i => i.GetProperty("kind").GetString()));
        Assert.Equal([Real.IccProfile!.Length, Real.Exif!.Length, Real.Xmp!.Length], items.Select(i => i.GetProperty("bytes").GetInt32()));
        Assert.Equal(["iccz", "exfz", "xmpz"], items.Select(i => i.GetProperty("chunk").GetString()));
        foreach (JsonElement item in items)
        {
            // What the writer stores is Brotli 11 plus the 5-byte prefix, and ZLib is larger.
            JsonElement coded = item.GetProperty("coded_bytes");
            Assert.Equal(coded.GetProperty("brotli11").GetInt32() + 5, item.GetProperty("stored_bytes").GetInt32());
            Assert.True(coded.GetProperty("zlib9").GetInt32() > coded.GetProperty("brotli11").GetInt32());
        }

        Assert.Equal(3, document.RootElement.GetProperty("totals").GetArrayLength());
        var text = CliRunner.Run("bench", "metadata", icc);
        Assert.Contains("brotli11", text.Output);
        Assert.Equal(ExitCodes.UsageOrFile, CliRunner.Run("bench", "metadata", Path.Combine(_directory, "missing.icc")).ExitCode);
    }

    private (string Nic, JsonElement Json) Encode(string name, params string[] flags)
    {
        string nic = Path.Combine(_directory, name);
        var run = CliRunner.Run(["encode", _input, "-o", nic, "--models", _models, "--model", _modelName, "--json", .. flags]);
        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument document = JsonDocument.Parse(run.Output);
        return (nic, document.RootElement.Clone());
    }

    private static List<(string Type, long Total)> Chunks(string path)
    {
        var chunks = new List<(string, long)>();
        using var reader = new NicReader(File.ReadAllBytes(path));
        while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is { } chunk)
        {
            chunks.Add((chunk.Type.ToString(), chunk.TotalLength));
        }

        return chunks;
    }
}
