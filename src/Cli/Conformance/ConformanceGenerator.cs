using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.EntropyModels;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Cli.Conformance;

/// <summary>
/// Writes the conformance suite: golden streams with their expected outputs (decoded by the reference managed
/// decoder), and invalid streams with the error each must give, derived from the specs and checked against the
/// reference decoder before anything is written. Refuses to replace an existing suite unless told to.
/// </summary>
internal sealed class ConformanceGenerator(NicCodec codec, string samplePath, string metadataSamplesPath, TextWriter log)
{
    /// <summary>The registry name of the random channel-conditional model of the <c>context-cc-*</c> cases.</summary>
    internal const string ContextModelName = "conformance-mbt2018-mean-cc";

    /// <summary>
    /// The shipped model of the cases that are about the container, sizes, bands, metadata and escapes rather than a
    /// model: <c>nic-mbt2018-mean-q4</c>, the default model from suite 2 to suite 6. The generator names it instead of
    /// taking the catalog's default, so that moving the default (to <c>nic-mbt2018-mean-cc-q4</c> in suite 7) changes
    /// none of these files.
    /// </summary>
    internal const string SuiteModel = "nic-mbt2018-mean-q4";

    /// <summary>The registry name of the random channel-conditional model with the checkerboard passes (<c>context-cc-checkerboard-*</c> cases).</summary>
    internal const string CheckerboardModelName = "conformance-mbt2018-mean-cc-cb";

    private readonly List<ConformanceCase> _cases = [];
    private string _directory = string.Empty;

    public async Task<ConformanceManifest> GenerateAsync(string directory, bool overwrite, CancellationToken cancellationToken)
    {
        _directory = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(_directory, ConformanceManifest.FileName)) && !overwrite)
        {
            throw new InvalidOperationException($"{_directory} already holds a suite; pass --overwrite to replace it (golden files change only on purpose)");
        }

        foreach (string sub in new[] { "golden", "invalid", ConformanceManifest.ModelsFolder })
        {
            string path = Path.Combine(_directory, sub);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            Directory.CreateDirectory(path);
        }

        RgbImage sample = ImageFiles.Read(samplePath);
        sample.Metadata = NicMetadata.Empty;
        await GoldenAsync("photo-664x374", $"the sample photo (not a multiple of 64 in either direction) with {SuiteModel}, the default model of suites 2–6", sample, new NicEncodeOptions { Model = SuiteModel }, cancellationToken);
        foreach (NicModelEntry model in codec.Catalog.Models.Where(m => m.Source == "shipped"))
        {
            await GoldenAsync($"model-{model.Name}", $"the sample photo with the shipped model {model.Name} (rate point {model.RatePoint})", sample, new NicEncodeOptions { Model = model.Name }, cancellationToken);
        }

        // Rates between trained points (spec/nic-model.md §11.3): a quarter, a half and 63/64 of an interval, so every
        // root of the gain factor's chain is used.
        var interpolated = new List<byte[]>();
        foreach (NicModelFamily family in codec.Catalog.Families.Where(f => codec.Catalog.Models.Any(m => m.Source == "shipped" && m.Family == f.Name)))
        {
            foreach (double position in new[] { 0.25, 0.5 + (family.MaxPosition / 2), family.MaxPosition - (1.0 / NicModelFamily.StepsPerInterval) })
            {
                double quality = NicModelFamily.QualityForLambda(family.LambdaAt(position));
                string name = $"rate-{family.Name}-{position.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)}";
                byte[] file = codec.Encode(sample, new NicEncodeOptions { Model = family.Name, Quality = quality }, cancellationToken);
                if (NicFile.Read(file).Header.RateParameter != (float)position)
                {
                    throw new InvalidOperationException($"quality {quality} of family {family.Name} did not give rate position {position}");
                }

                await GoldenBytesAsync(name, $"the sample photo with family {family.Name} at rate position {position} (between trained points, interpolated gains)", file, cancellationToken);
                interpolated.Add(file);
            }
        }

        foreach ((int width, int height) in new[] { (1, 1), (2, 3), (17, 13), (1000, 1), (1, 1000) })
        {
            await GoldenAsync($"size-{width}x{height}", $"a {width}×{height} synthetic image", Pattern(width, height), new NicEncodeOptions { Model = SuiteModel }, cancellationToken);
        }

        await GoldenAsync("large-2400x1700", "a 4.08-megapixel image (the sample photo mirrored), 14 bands", Mirror(sample, 2400, 1700), new NicEncodeOptions { Model = SuiteModel }, cancellationToken);
        foreach ((int rows, string what) in new[] { (1, "one latent row per band (the smallest)"), (3, "3 latent rows per band, so the last band is shorter"), (65535, "one band holding every row (band_rows = y_height)") })
        {
            await GoldenAsync($"bands-{(rows == 65535 ? "single" : rows.ToString(System.Globalization.CultureInfo.InvariantCulture))}", $"a 200×150 image with {what}", Pattern(200, 150), new NicEncodeOptions { Model = SuiteModel, BandRows = rows }, cancellationToken);
        }

        RgbImage withMetadata = Pattern(64, 48);
        withMetadata.Metadata = new NicMetadata
        {
            IccProfile = [.. Enumerable.Range(0, 560).Select(i => (byte)((i * 37) + 11))],
            Exif = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0],
            Xmp = Encoding.UTF8.GetBytes("<?xpacket begin=\"\uFEFF\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta><?xpacket end=\"w\"?>"),
        };
        // The raw 1.0 chunks (the case predates the compressed ones, spec/nic-format.md §5.4), so compression is off.
        await GoldenAsync("metadata-icc-exif-xmp", "ICC profile, EXIF and XMP chunks that must come back byte for byte", withMetadata, new NicEncodeOptions { Model = SuiteModel, CompressMetadata = false }, cancellationToken);
        RgbImage withRealMetadata = Pattern(64, 48);
        withRealMetadata.Metadata = new NicMetadata
        {
            IccProfile = await File.ReadAllBytesAsync(Path.Combine(metadataSamplesPath, "sRGB.icc"), cancellationToken),
            Exif = await File.ReadAllBytesAsync(Path.Combine(metadataSamplesPath, "blinds.exif"), cancellationToken),
            Xmp = await File.ReadAllBytesAsync(Path.Combine(metadataSamplesPath, "coldripple.xmp"), cancellationToken),
        };
        await GoldenAsync("metadata-compressed", "a real ICC profile, EXIF block and XMP packet (samples/metadata) in the Brotli-compressed chunks iccz, exfz and xmpz of format 1.1, which must restore them byte for byte", withRealMetadata, new NicEncodeOptions { Model = SuiteModel }, cancellationToken);
        await GoldenBytesAsync("escape-extremes", "z and y symbols of −2³¹ and 2³¹ − 1, the extremes the escape code carries (spec/nic-coding.md §5), next to ordinary ones", ExtremeSymbolsFile(), cancellationToken);

        byte[] contextFile = await ChannelContextCasesAsync(sample, cancellationToken);
        byte[] checkerboardFile = await CheckerboardCasesAsync(cancellationToken);

        byte[] baseFile = await File.ReadAllBytesAsync(Path.Combine(_directory, "golden", "size-17x13.nic"), cancellationToken);
        await InvalidCasesAsync(baseFile, cancellationToken);
        byte[] compressedFile = await File.ReadAllBytesAsync(Path.Combine(_directory, "golden", "metadata-compressed.nic"), cancellationToken);
        await CompressedMetadataInvalidCasesAsync(compressedFile, cancellationToken);
        if (interpolated.Count > 0)
        {
            await InvalidRateCasesAsync(interpolated[0], cancellationToken);
        }

        await ChannelContextInvalidCasesAsync(contextFile, cancellationToken);
        await CheckerboardInvalidCasesAsync(checkerboardFile, cancellationToken);

        var manifest = new ConformanceManifest(ConformanceManifest.FormatName, 1, ConformanceTolerances.Default, _cases);
        AtomicFile.WriteAllBytes(Path.Combine(_directory, ConformanceManifest.FileName), Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(manifest, ConformanceManifest.JsonOptions) + "\n"));
        return manifest;
    }

    /// <summary>A deterministic photo-like pattern: gradients, an edge and integer texture.</summary>
    internal static RgbImage Pattern(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                int texture = ((x * 7) ^ (y * 13)) & 15;
                row[3 * x] = (byte)Math.Min(255, (x * 200 / Math.Max(1, width)) + texture + (x > width / 2 ? 30 : 0));
                row[(3 * x) + 1] = (byte)Math.Min(255, (y * 180 / Math.Max(1, height)) + texture);
                row[(3 * x) + 2] = (byte)(255 - ((x + y) * 150 / Math.Max(1, width + height)) - texture);
            }
        }

        return image;
    }

    /// <summary><paramref name="image"/> repeated by mirroring to <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static RgbImage Mirror(RgbImage image, int width, int height)
    {
        static int Reflect(int i, int n)
        {
            int period = 2 * n;
            int m = i % period;
            return m < n ? m : period - 1 - m;
        }

        var result = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> source = image.GetRow(Reflect(y, image.Height));
            Span<byte> target = result.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                source.Slice(3 * Reflect(x, image.Width), 3).CopyTo(target.Slice(3 * x, 3));
            }
        }

        return result;
    }

    private async Task GoldenAsync(string name, string description, RgbImage image, NicEncodeOptions options, CancellationToken cancellationToken) =>
        await GoldenBytesAsync(name, description, codec.Encode(image, options, cancellationToken), cancellationToken);

    private async Task GoldenBytesAsync(string name, string description, byte[] file, CancellationToken cancellationToken)
    {
        string stream = $"golden/{name}.nic";
        await using (NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file), cancellationToken))
        {
            RgbImage decoded = await decoder.ReadImageAsync(cancellationToken);
            decoded.Metadata = NicMetadata.Empty;
            AtomicFile.WriteAllBytes(Path.Combine(_directory, stream), file);
            ImageFiles.WritePng(Path.Combine(_directory, $"golden/{name}.png"), decoded);
            AtomicFile.WriteAllBytes(Path.Combine(_directory, $"golden/{name}.header.json"), Encoding.UTF8.GetBytes(ConformanceHeader.ToJson(decoder.Info)));
            _cases.Add(new ConformanceCase(
                name,
                ConformanceCase.Golden,
                description,
                stream,
                ExpectedImage: $"golden/{name}.png",
                ExpectedHeader: $"golden/{name}.header.json",
                SymbolsSha256: Convert.ToHexStringLower(decoder.SymbolsSha256!)));
        }

        log.WriteLine($"golden  {name,-28} {file.Length,9:N0} bytes");
    }

    /// <summary>
    /// The cases of the channel-conditional context model (spec/nic-model.md §4.6, spec/nic-coding.md §10.3), which no
    /// shipped model has yet: a random <c>mbt2018-mean-cc</c> model (N = 16, M = 24, 4 slices, H = 24, K = 3; the same
    /// bytes on every machine) written to the suite's <c>models/</c> and added to the catalog, the sample photo coded
    /// with it, and a pattern in bands of 3 latent rows. Returns the photo's file.
    /// </summary>
    private async Task<byte[]> ChannelContextCasesAsync(RgbImage sample, CancellationToken cancellationToken)
    {
        byte[] model = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, 16, 24, seed: 19, ContextModelName, ratePoint: 4);
        AtomicFile.WriteAllBytes(Path.Combine(_directory, ConformanceManifest.ModelsFolder, ContextModelName + NicModelCatalog.ModelFileExtension), model);
        codec.Catalog.Add(NicModelFile.Load(model));
        byte[] photo = codec.Encode(sample, new NicEncodeOptions { Model = ContextModelName }, cancellationToken);
        await GoldenBytesAsync("context-cc-photo", $"the sample photo with the random channel-conditional model {ContextModelName} (models/, mbt2018-mean-cc: 4 slices whose means and scales come from the slices before them within each band)", photo, cancellationToken);
        await GoldenAsync("context-cc-bands-3", $"a 200×150 image with {ContextModelName} in bands of 3 latent rows (the contexts end at every band edge, and the last band is shorter)", Pattern(200, 150), new NicEncodeOptions { Model = ContextModelName, BandRows = 3 }, cancellationToken);
        return photo;
    }

    /// <summary>
    /// The cases of the checkerboard passes (spec/nic-coding.md §10.3, <c>context_checkerboard</c> = 1): a random
    /// <c>mbt2018-mean-cc</c> model with them (N = 16, M = 24, 4 slices, H = 24, K = 3, seed 20; the same bytes on every
    /// machine) written to the suite's <c>models/</c> and added to the catalog, and a pattern in bands of 3 latent rows,
    /// where the band-local anchors of bands 1, 3, … differ from the image's. Returns the file.
    /// </summary>
    private async Task<byte[]> CheckerboardCasesAsync(CancellationToken cancellationToken)
    {
        NicModelFileBuilder builder = ModelFactory.CreateRandomBuilder(
            ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(16, 24, 4, 24, 3) with { ContextCheckerboard = 1 }, seed: 20, CheckerboardModelName);
        builder.RatePoint = 4;
        byte[] model = builder.Build();
        AtomicFile.WriteAllBytes(Path.Combine(_directory, ConformanceManifest.ModelsFolder, CheckerboardModelName + NicModelCatalog.ModelFileExtension), model);
        codec.Catalog.Add(NicModelFile.Load(model));
        var options = new NicEncodeOptions { Model = CheckerboardModelName, BandRows = 3 };
        await GoldenAsync("context-cc-checkerboard-bands-3", $"a 200×150 image with {CheckerboardModelName} (models/, mbt2018-mean-cc with context_checkerboard 1: each slice's anchors, then its other elements under spatial.{{k}}) in bands of 3 latent rows (anchors are (row − band's first row + column) even, so they alternate between bands; the last band is shorter)", Pattern(200, 150), options, cancellationToken);
        return codec.Encode(Pattern(200, 150), options, cancellationToken);
    }

    /// <summary>A damaged band of a checkerboard file: slice 0's anchors, the first values decoded, wrong.</summary>
    private async Task CheckerboardInvalidCasesAsync(byte[] file, CancellationToken cancellationToken)
    {
        NicFile parsed = NicFile.Read(file);
        var bands = parsed.Bands.ToList();
        byte[] damaged = [.. bands[1]];
        damaged[9] ^= 0x10;
        bands[1] = damaged;
        byte[] bad = new NicFile { Header = parsed.Header, Metadata = parsed.Metadata, ZSubstream = parsed.ZSubstream, Bands = bands }.ToArray();
        await InvalidAsync("context-cc-checkerboard-anchor-damaged", "context-cc-checkerboard-bands-3 with one bit of band 1's first word flipped (CRC valid): slice 0's anchors decode wrong, the spatial and context networks run on them, and the stream does not end in the coder's initial state", bad, "EntropyPayloadCorrupt", null, cancellationToken);
    }

    /// <summary>Damaged bands of a channel-conditional file: the stream of the last slice, decoded after the context networks ran.</summary>
    private async Task ChannelContextInvalidCasesAsync(byte[] file, CancellationToken cancellationToken)
    {
        NicFile parsed = NicFile.Read(file);
        byte[] With(byte[] band)
        {
            var bands = parsed.Bands.ToList();
            bands[1] = band;
            return new NicFile { Header = parsed.Header, Metadata = parsed.Metadata, ZSubstream = parsed.ZSubstream, Bands = bands }.ToArray();
        }

        byte[] original = parsed.Bands[1];
        byte[] flipped = [.. original];
        flipped[^2] ^= 0x10;
        await InvalidAsync("context-cc-band-truncated", "context-cc-photo with the last word of band 1 removed (CRC valid): the decoder runs out of words in the last slice, after the context networks of slices 1–3 have run", With(original[..^4]), "EntropyPayloadTruncated", null, cancellationToken);
        await InvalidAsync("context-cc-later-slice-damaged", "context-cc-photo with one bit of band 1's last word flipped (CRC valid): the last slice's symbols decode under the tables its context gives, and the stream does not end in the coder's initial state", With(flipped), "EntropyPayloadCorrupt", null, cancellationToken);
    }

    /// <summary>A 64×64 file of <see cref="SuiteModel"/> whose z and y hold the extreme escapable symbols.</summary>
    private byte[] ExtremeSymbolsFile()
    {
        NicModelFile model = codec.Catalog.Find(SuiteModel).File;
        var bottleneck = EntropyBottleneckCoder.FromModel(model);
        var gaussian = GaussianConditionalCoder.FromModel(model);
        int n = model.HyperParameters.N, m = model.HyperParameters.M;
        var z = new int[n];
        (z[0], z[1], z[2]) = (int.MinValue, int.MaxValue, -7);
        EntropyParameters parameters = ManagedModel.Create(model, 1).HyperSynthesize(bottleneck.Dequantize(z, 1, 1));
        var header = new NicHeader
        {
            Width = 64,
            Height = 64,
            Alignment = 64,
            RatePoint = model.RatePoint,
            RateParameter = (float)model.Lambda,
            Model = model.Id,
            ZShape = new NicLatentShape(n, 1, 1),
            YShape = new NicLatentShape(m, 4, 4),
            BandRows = 2,
        };
        var bands = new byte[2][];
        for (int band = 0; band < 2; band++)
        {
            var y = new int[m * 2 * 4];
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = (i % 5) - 2;
            }

            (y[0], y[9], y[y.Length - 1]) = band == 0 ? (int.MinValue, int.MaxValue, 40000) : (int.MaxValue, int.MinValue, -40000);
            bands[band] = gaussian.EncodeSymbols(y, parameters, band * 2, 2);
        }

        return new NicFile { Header = header, ZSubstream = bottleneck.EncodeSymbols(z, 1, 1), Bands = bands }.ToArray();
    }

    private async Task InvalidCasesAsync(byte[] file, CancellationToken cancellationToken)
    {
        List<(NicChunkType Type, long Offset, byte[] Payload)> chunks = ReadChunks(file);
        (NicChunkType _, long headOffset, byte[] head) = chunks[0];
        int zIndex = chunks.FindIndex(c => c.Type == NicChunkType.ZSub);
        int bandIndex = chunks.FindIndex(c => c.Type == NicChunkType.YBnd);
        long zOffset = chunks[zIndex].Offset, bandOffset = chunks[bandIndex].Offset, doneOffset = chunks[^1].Offset;

        List<(NicChunkType, byte[])> Plain() => [.. chunks.Select(c => (c.Type, c.Payload))];
        byte[] HeadWith(Action<byte[]> change)
        {
            byte[] copy = [.. head];
            change(copy);
            return copy;
        }

        List<(NicChunkType, byte[])> Replace(int index, byte[] payload)
        {
            List<(NicChunkType, byte[])> list = Plain();
            list[index] = (list[index].Item1, payload);
            return list;
        }

        List<(NicChunkType, byte[])> Insert(int index, NicChunkType type, byte[] payload)
        {
            List<(NicChunkType, byte[])> list = Plain();
            list.Insert(index, (type, payload));
            return list;
        }

        int nameLength = head[18];
        await InvalidAsync("empty", "a zero-byte file", [], "Truncated", 0, cancellationToken);
        await InvalidAsync("truncated-in-signature", "the first 5 bytes", file[..5], "Truncated", 0, cancellationToken);
        await InvalidAsync("truncated-in-version", "the first 9 bytes", file[..9], "Truncated", 8, cancellationToken);
        await InvalidAsync("truncated-in-head", "cut inside HEAD", file[..30], "Truncated", headOffset, cancellationToken);
        await InvalidAsync("truncated-in-zsub", "cut inside ZSUB", file[..(int)(zOffset + 10)], "Truncated", zOffset, cancellationToken);
        await InvalidAsync("truncated-in-band", "cut inside the first YBND", file[..(int)(bandOffset + 14)], "Truncated", bandOffset, cancellationToken);
        await InvalidAsync("truncated-before-done", "everything but DONE", file[..(int)doneOffset], "Truncated", doneOffset, cancellationToken);
        await InvalidAsync("truncated-last-byte", "the last byte missing", file[..^1], "Truncated", doneOffset, cancellationToken);
        await InvalidAsync("bad-signature", "the signature's 'N' replaced", Patched(file, 1, (byte)'X'), "BadSignature", 0, cancellationToken);
        await InvalidAsync("newer-major-version", "major version 2", Patched(file, 8, 2), "UnsupportedVersion", 8, cancellationToken);
        byte[] badCrc = [.. file];
        badCrc[zOffset + 8] ^= 0x01;
        await InvalidAsync("bad-checksum", "a ZSUB payload byte flipped, CRC unchanged", badCrc, "BadChecksum", zOffset, cancellationToken);
        await InvalidAsync("unknown-critical-chunk", "a critical chunk QXYZ after HEAD", Build(Insert(1, Type("QXYZ"), [1, 2, 3])), "UnknownCriticalChunk", zOffset, cancellationToken);
        await InvalidAsync("chunk-out-of-order", "an exif chunk after ZSUB", Build(Insert(zIndex + 1, NicChunkType.Exif, [(byte)'I', (byte)'I', 42, 0])), "ChunkOutOfOrder", chunks[zIndex + 1].Offset, cancellationToken);
        await InvalidAsync("duplicate-zsub", "ZSUB twice", Build(Insert(zIndex + 1, NicChunkType.ZSub, chunks[zIndex].Payload)), "DuplicateChunk", chunks[zIndex + 1].Offset, cancellationToken);
        await InvalidAsync("missing-zsub", "no ZSUB although the header declares z", Build([.. Plain().Where((_, i) => i != zIndex)]), "MissingChunk", zOffset, cancellationToken);
        byte[] wrongIndex = [.. chunks[bandIndex].Payload];
        BinaryPrimitives.WriteUInt32LittleEndian(wrongIndex, 1);
        await InvalidAsync("band-index-mismatch", "the first YBND says band 1", Build(Replace(bandIndex, wrongIndex)), "BandMismatch", bandOffset, cancellationToken);
        await InvalidAsync("width-over-format-maximum", "width 2²⁴ + 1", Build(Replace(0, HeadWith(h => BinaryPrimitives.WriteUInt32LittleEndian(h, (1 << 24) + 1)))), "ImageTooLarge", 18, cancellationToken);
        await InvalidAsync("width-over-reader-limit", "width 70000, above the default MaxWidth 65535", Build(Replace(0, HeadWith(h => BinaryPrimitives.WriteUInt32LittleEndian(h, 70000)))), "ImageTooLarge", 18, cancellationToken);
        await InvalidAsync("head-zero-length", "a HEAD chunk with no payload", Build(Replace(0, [])), "InvalidHeader", 18, cancellationToken);
        await InvalidAsync("ybnd-zero-length", "a YBND chunk of length 0", Build(Replace(bandIndex, [])), "InvalidChunkLength", bandOffset, cancellationToken);
        await InvalidAsync("done-with-payload", "a DONE chunk of length 4", Build(Replace(chunks.Count - 1, [0, 0, 0, 0])), "InvalidChunkLength", doneOffset, cancellationToken);
        await InvalidAsync("chunk-length-over-reader-limit", "ZSUB declaring 2³¹ − 1 bytes", LengthPatched(file, zOffset, int.MaxValue), "ChunkTooLarge", zOffset, cancellationToken);
        await InvalidAsync("chunk-length-over-format-maximum", "ZSUB declaring 2³² − 1 bytes", LengthPatched(file, zOffset, uint.MaxValue), "ChunkTooLarge", zOffset, cancellationToken);
        await InvalidAsync("trailing-data", "a byte after DONE", [.. file, 0], "TrailingData", file.Length, cancellationToken);
        await InvalidAsync("unknown-model-name", "a model name no catalog has (same length)", Build(Replace(0, HeadWith(h => h.AsSpan(19, nameLength).Fill((byte)'z')))), "UnknownModel", null, cancellationToken);
        await InvalidAsync("unknown-model-hash", $"the name of {SuiteModel} with another SHA-256", Build(Replace(0, HeadWith(h => h[19 + nameLength] ^= 0xFF))), "ModelHashMismatch", null, cancellationToken);
        await InvalidAsync("latent-shape-mismatch", "y_channels one more than the model's", Build(Replace(0, HeadWith(h => BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(61 + nameLength), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(61 + nameLength)) + 1))))), "LatentShapeMismatch", null, cancellationToken);
        await InvalidAsync("z-payload-bytes-left-over", "four zero bytes appended to the z stream (valid CRC)", Build(Replace(zIndex, [.. chunks[zIndex].Payload, 0, 0, 0, 0])), "EntropyPayloadCorrupt", null, cancellationToken);
        await InvalidAsync("y-payload-bytes-left-over", "four zero bytes appended to band 0 (valid CRC)", Build(Replace(bandIndex, [.. chunks[bandIndex].Payload, 0, 0, 0, 0])), "EntropyPayloadCorrupt", null, cancellationToken);
        await InvalidAsync("y-payload-bad-length", "one byte appended to band 0, so its length is not a multiple of 4", Build(Replace(bandIndex, [.. chunks[bandIndex].Payload, 0])), "EntropyPayloadCorrupt", null, cancellationToken);
        await InvalidAsync("y-payload-shorter-than-state", "band 0 holds 4 bytes, less than the 8-byte coder state", Build(Replace(bandIndex, [.. chunks[bandIndex].Payload[..8]])), "EntropyPayloadTruncated", null, cancellationToken);
    }

    /// <summary>A file coded at an interpolated rate whose header's rate_parameter is then not a rate position of its family.</summary>
    private async Task InvalidRateCasesAsync(byte[] file, CancellationToken cancellationToken)
    {
        NicFile parsed = NicFile.Read(file);
        byte[] With(float rate) => new NicFile { Header = parsed.Header with { RateParameter = rate }, Metadata = parsed.Metadata, ZSubstream = parsed.ZSubstream, Bands = parsed.Bands }.ToArray();
        float position = parsed.Header.RateParameter;
        await InvalidAsync("rate-off-grid", $"a family-coded file whose rate_parameter {position} + 1/128 is not a multiple of 1/64", With(position + (1f / 128)), "InvalidRate", null, cancellationToken);
        await InvalidAsync("rate-beyond-family", "a family-coded file whose rate_parameter 64 is past the family's last point", With(64f), "InvalidRate", null, cancellationToken);
        await InvalidAsync("rate-negative", "a family-coded file whose rate_parameter is −1/64", With(-1f / 64), "InvalidRate", null, cancellationToken);
    }

    /// <summary>
    /// The invalid cases of the compressed metadata chunks (spec/nic-format.md §5.4), made from the golden file
    /// <paramref name="file"/> (version 1.1, with iccz, exfz and xmpz): each changes one chunk and keeps its CRC valid,
    /// so that the error is the one of §5.4, not <c>BadChecksum</c>.
    /// </summary>
    private async Task CompressedMetadataInvalidCasesAsync(byte[] file, CancellationToken cancellationToken)
    {
        List<(NicChunkType Type, long Offset, byte[] Payload)> chunks = ReadChunks(file);
        int icc = chunks.FindIndex(c => c.Type == NicChunkType.Iccz), exif = chunks.FindIndex(c => c.Type == NicChunkType.Exfz), xmp = chunks.FindIndex(c => c.Type == NicChunkType.Xmpz);
        if (icc < 0 || exif < 0 || xmp < 0)
        {
            throw new InvalidOperationException("metadata-compressed holds no iccz, exfz or xmpz chunk: the real samples did not compress");
        }

        byte minor = file[NicConstants.Signature.Length + 1];
        byte[] With(int index, NicChunkType type, byte[] payload)
        {
            List<(NicChunkType, byte[])> list = [.. chunks.Select(c => (c.Type, c.Payload))];
            list[index] = (type, payload);
            return Build(list, minor);
        }

        byte[] Changed(byte[] payload, Action<byte[]> change)
        {
            byte[] copy = [.. payload];
            change(copy);
            return copy;
        }

        byte[] iccPayload = chunks[icc].Payload, exifPayload = chunks[exif].Payload, xmpPayload = chunks[xmp].Payload;
        uint iccLength = BinaryPrimitives.ReadUInt32LittleEndian(iccPayload.AsSpan(1));

        // 32 MiB of zeros: a Brotli stream of a few hundred bytes, declaring twice the default 16 MiB metadata limit.
        byte[] zeros = new byte[32 << 20];
        var bomb = new byte[5 + System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(zeros.Length)];
        System.IO.Compression.BrotliEncoder.TryCompress(zeros, bomb.AsSpan(5), out int bombLength, 5, 22);
        bomb[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(bomb.AsSpan(1), (uint)zeros.Length);

        long iccOffset = chunks[icc].Offset, exifOffset = chunks[exif].Offset, xmpOffset = chunks[xmp].Offset;
        await InvalidAsync("compressed-bad-method", "an iccz chunk whose method byte is 2 (only 1, Brotli, is defined)", With(icc, NicChunkType.Iccz, Changed(iccPayload, p => p[0] = 2)), "UnsupportedCompression", iccOffset, cancellationToken);
        await InvalidAsync("compressed-length-too-large", "an iccz chunk declaring one byte more than its Brotli stream restores", With(icc, NicChunkType.Iccz, Changed(iccPayload, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(1), iccLength + 1))), "CompressedDataCorrupt", iccOffset, cancellationToken);
        await InvalidAsync("compressed-length-too-small", "an iccz chunk declaring one byte less than its Brotli stream restores", With(icc, NicChunkType.Iccz, Changed(iccPayload, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(1), iccLength - 1))), "CompressedDataCorrupt", iccOffset, cancellationToken);
        await InvalidAsync("compressed-bomb", $"an exfz chunk of {5 + bombLength} bytes declaring 32 MiB, above the default 16 MiB metadata limit (refused before decompressing)", With(exif, NicChunkType.Exfz, bomb[..(5 + bombLength)]), "LimitExceeded", exifOffset, cancellationToken);
        await InvalidAsync("compressed-truncated", "an exfz chunk whose Brotli stream lacks its last 16 bytes (CRC valid)", With(exif, NicChunkType.Exfz, exifPayload[..^16]), "CompressedDataCorrupt", exifOffset, cancellationToken);
        await InvalidAsync("compressed-trailing-bytes", "an xmpz chunk with a byte after the end of its Brotli stream (CRC valid)", With(xmp, NicChunkType.Xmpz, [.. xmpPayload, 0]), "CompressedDataCorrupt", xmpOffset, cancellationToken);
        await InvalidAsync("compressed-too-short", "an xmpz chunk of 4 bytes, shorter than its method and uncompressed length", With(xmp, NicChunkType.Xmpz, xmpPayload[..4]), "InvalidChunkLength", xmpOffset, cancellationToken);
        List<(NicChunkType, byte[])> both = [.. chunks.Select(c => (c.Type, c.Payload))];
        both.Insert(icc + 1, (NicChunkType.Iccp, [.. Enumerable.Range(0, 128).Select(i => (byte)i)]));
        await InvalidAsync("compressed-and-raw-icc", "an iccz chunk followed by an iccp chunk: two ICC profiles", Build(both, minor), "DuplicateChunk", exifOffset, cancellationToken);
    }

    private async Task InvalidAsync(string name, string description, byte[] file, string error, long? offset, CancellationToken cancellationToken)
    {
        (string? actual, long? actualOffset) = await ConformanceRunner.DecodeErrorAsync(codec, file, cancellationToken);
        if (actual != error || (offset is not null && actualOffset != offset))
        {
            throw new InvalidOperationException($"invalid case {name}: the specs say {error}{(offset is null ? string.Empty : $" at byte {offset}")}, the reference decoder gives {actual ?? "no error"}{(actualOffset is null ? string.Empty : $" at byte {actualOffset}")}");
        }

        string stream = $"invalid/{name}.nic";
        AtomicFile.WriteAllBytes(Path.Combine(_directory, stream), file);
        _cases.Add(new ConformanceCase(name, ConformanceCase.Invalid, description, stream, ExpectedError: error, ExpectedOffset: offset));
        log.WriteLine($"invalid {name,-28} {error}{(offset is null ? string.Empty : $" at byte {offset}")}");
    }

    private static List<(NicChunkType Type, long Offset, byte[] Payload)> ReadChunks(byte[] file)
    {
        var chunks = new List<(NicChunkType, long, byte[])>();
        using var reader = new NicReader(file);
        while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is { } chunk)
        {
            chunks.Add((chunk.Type, chunk.Offset, System.Buffers.BuffersExtensions.ToArray(chunk.Payload)));
        }

        return chunks;
    }

    private static NicChunkType Type(string letters) =>
        NicChunkType.TryCreate(Encoding.ASCII.GetBytes(letters), out NicChunkType type) ? type : throw new ArgumentException(letters);

    /// <summary>A file of the preamble (version 1.<paramref name="minor"/>) and the chunks, each framed with its length and CRC.</summary>
    private static byte[] Build(IEnumerable<(NicChunkType Type, byte[] Payload)> chunks, byte minor = 0)
    {
        using var buffer = new MemoryStream();
        buffer.Write(NicConstants.Signature);
        buffer.Write([NicConstants.MajorVersion, minor]);
        foreach ((NicChunkType type, byte[] payload) in chunks)
        {
            byte[] typeBytes = Encoding.ASCII.GetBytes(type.ToString());
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)payload.Length);
            buffer.Write(length);
            buffer.Write(typeBytes);
            buffer.Write(payload);
            var crc = new Crc32();
            crc.Append(typeBytes);
            crc.Append(payload);
            var crcBytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(crcBytes, crc.GetCurrentHashAsUInt32());
            buffer.Write(crcBytes);
        }

        return buffer.ToArray();
    }

    private static byte[] Patched(byte[] file, long offset, byte value)
    {
        byte[] copy = [.. file];
        copy[offset] = value;
        return copy;
    }

    private static byte[] LengthPatched(byte[] file, long chunkOffset, uint length)
    {
        byte[] copy = [.. file];
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan((int)chunkOffset), length);
        return copy;
    }
}
