using Nic.Codec.Entropy;
using Nic.Codec.Imaging;
using Nic.Codec;
using Nic.Format;

namespace Nic.Fuzz;

/// <summary>
/// Writes the seed corpus (<c>fuzz/corpus/TARGET/</c>): small conformance streams (golden and invalid), streams coded
/// with the <see cref="FuzzModels"/> (every architecture, one to several bands, with and without metadata), and
/// valid entropy-coded payloads for the entropy target. The output depends only on the code and the conformance suite.
/// </summary>
internal static class SeedCorpus
{
    /// <summary>Golden conformance streams small enough to seed every container target.</summary>
    private static readonly string[] Golden =
    [
        "size-1x1", "size-2x3", "size-17x13", "bands-1", "bands-3", "bands-single", "metadata-icc-exif-xmp", "metadata-compressed", "escape-extremes",
    ];

    /// <summary>Invalid conformance streams the decode target starts from: those that pass the container and fail in the codec.</summary>
    private static readonly string[] InvalidForDecode =
    [
        "latent-shape-mismatch", "unknown-model-hash", "unknown-model-name", "y-payload-bad-length", "y-payload-bytes-left-over",
        "y-payload-shorter-than-state", "z-payload-bytes-left-over",
    ];

    /// <summary>Writes the corpus.</summary>
    /// <param name="conformance">The conformance suite folder.</param>
    /// <param name="output">The corpus folder; each target's subfolder is replaced.</param>
    /// <param name="log">Receives one line per target.</param>
    public static void Write(string conformance, string output, TextWriter log)
    {
        var golden = Golden.Select(name => ($"conformance-{name}.nic", File.ReadAllBytes(Path.Combine(conformance, "golden", name + ".nic")))).ToList();
        var invalid = Directory.GetFiles(Path.Combine(conformance, "invalid"), "*.nic").Order(StringComparer.Ordinal)
            .Select(path => ($"invalid-{Path.GetFileName(path)}", File.ReadAllBytes(path))).ToList();
        List<(string, byte[])> fuzzStreams = FuzzModelStreams();

        WriteFolder(Path.Combine(output, "reader"), [.. golden, .. invalid, .. fuzzStreams], log);
        WriteFolder(Path.Combine(output, "identify"), [.. golden, .. invalid, .. fuzzStreams], log);
        WriteFolder(Path.Combine(output, "decode"), [.. golden, .. invalid.Where(i => InvalidForDecode.Any(n => i.Item1 == $"invalid-{n}.nic")), .. fuzzStreams], log);
        WriteFolder(Path.Combine(output, "entropy"), EntropyPayloads(), log);
    }

    private static List<(string, byte[])> FuzzModelStreams()
    {
        var codec = new NicCodec(FuzzModels.CreateCatalog(includeShippedModels: false), new NicCodecOptions { Parallelism = 1, IncludeShippedModels = false });
        var streams = new List<(string, byte[])>();
        foreach ((string model, _) in FuzzModels.ImageModels)
        {
            streams.Add(($"{model}-1x1.nic", codec.Encode(Image(1, 1, null), new NicEncodeOptions { Model = model, BandRows = 1 })));
            streams.Add(($"{model}-17x13-metadata.nic", codec.Encode(Image(17, 13, Metadata()), new NicEncodeOptions { Model = model, BandRows = 1 })));
            streams.Add(($"{model}-70x40-bands2.nic", codec.Encode(Image(70, 40, null), new NicEncodeOptions { Model = model, BandRows = 2 })));
            streams.Add(($"{model}-150x20-bands1.nic", codec.Encode(Image(150, 20, null), new NicEncodeOptions { Model = model, BandRows = 1 })));
        }

        // A valid stream that names the digit model, which the decoder must refuse (UnsupportedModel): no mutation would
        // find the 14-byte name and its SHA-256 by chance.
        NicFile hyperprior = NicFile.Read(streams.First(s => s.Item1 == "fuzz-bmshj2018-hyperprior-1x1.nic").Item2);
        NicFile digits = new()
        {
            Header = hyperprior.Header with { Model = FuzzModels.All.Single(m => m.Name == "fuzz-tfc-mnist").Id },
            ZSubstream = hyperprior.ZSubstream,
            Bands = hyperprior.Bands,
        };
        streams.Add(("fuzz-tfc-mnist-named.nic", digits.ToArray()));
        return streams;
    }

    private static List<(string, byte[])> EntropyPayloads()
    {
        var random = new Random(5);
        var inputs = new List<(string, byte[])>();
        foreach (int count in new[] { 0, 1, 5, 64, 300 })
        {
            var values = new int[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (i % 17) switch
                {
                    3 => int.MinValue,
                    7 => int.MaxValue,
                    11 => random.Next(-100000, 100000),
                    _ => random.Next(-6, 7),
                };
            }

            byte[] payload = IndexedEntropyCoder.Encode(values, EntropyTarget.TableIndexes(count), EntropyTarget.GaussianTables);
            inputs.Add(($"indexed-{count}.bin", EntropyTarget.Compose(0, count, payload)));
        }

        foreach (int count in new[] { 0, 1, 9, 200 })
        {
            int[] symbols = Enumerable.Range(0, count).Select(_ => random.Next(8)).ToArray();
            inputs.Add(($"int16-{count}.bin", EntropyTarget.Compose(1, count, CdfCoder.EncodeInt16NormalizedCdf(EntropyTarget.IntegerCdf(count), EntropyTarget.Lp, symbols))));
            inputs.Add(($"float-{count}.bin", EntropyTarget.Compose(2, count, CdfCoder.EncodeFloatCdf(EntropyTarget.FloatCdf(count), EntropyTarget.Lp, symbols))));
        }

        return inputs;
    }

    private static RgbImage Image(int width, int height, NicMetadata? metadata)
    {
        var random = new Random((width * 31) + height);
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            int x = (i / 3) % width, y = (i / 3) / width;
            pixels[i] = (byte)((x * 7) + (y * 5) + ((i % 3) * 60) + random.Next(24));
        }

        return new RgbImage(width, height, pixels) { Metadata = metadata ?? NicMetadata.Empty };
    }

    private static NicMetadata Metadata() => new()
    {
        IccProfile = [0, 0, 1, 0, 0x61, 0x63, 0x73, 0x70],
        Exif = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00],
        Xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"u8.ToArray(),
    };

    private static void WriteFolder(string folder, IReadOnlyList<(string Name, byte[] Data)> inputs, TextWriter log)
    {
        if (Directory.Exists(folder))
        {
            foreach (string file in Directory.GetFiles(folder))
            {
                File.Delete(file);
            }
        }

        Directory.CreateDirectory(folder);
        foreach ((string name, byte[] data) in inputs)
        {
            File.WriteAllBytes(Path.Combine(folder, name), data);
        }

        log.WriteLine($"{folder}: {inputs.Count} inputs, {inputs.Sum(i => (long)i.Data.Length)} bytes");
    }
}
