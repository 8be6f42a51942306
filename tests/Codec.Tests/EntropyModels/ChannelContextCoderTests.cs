using System.Security.Cryptography;
using System.Text;
using Nic.Codec.Catalog;
using Nic.Codec.Entropy;
using Nic.Codec.EntropyModels;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Tests.Inference;
using Nic.Codec.Tests.Pipeline;
using Nic.Format;

namespace Nic.Codec.Tests.EntropyModels;

/// <summary>
/// The channel-conditional context model of <c>mbt2018-mean-cc</c> (spec/nic-model.md §4.6, spec/nic-coding.md §10.3):
/// round trips, the rule against plain scalar loops under every vector width and thread count, a pinned hash of the
/// decoded symbols and table indexes, independent bands, damaged streams and refused hyper-parameters — each with and
/// without the checkerboard passes (<c>context_checkerboard</c> = 1).
/// </summary>
[Collection(nameof(VectorWidthCollection))]
public class ChannelContextCoderTests
{
    private const string ModelName = "test-mean-cc";

    private const string CheckerboardModelName = "test-mean-cc-cb";

    /// <summary>N = 8, M = 12: S = 4 slices of C = 3 channels, H = 12, K = 3.</summary>
    private static readonly Lazy<NicModelFile> Model = new(() =>
        NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, 8, 12, seed: 31, ModelName, 3)));

    /// <summary>Kernel 5, 2 slices of 6 channels, H = 5.</summary>
    private static readonly Lazy<NicModelFile> WideKernelModel = new(() =>
        NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 2, 5, 5), seed: 32)));

    /// <summary>N = 8, M = 12: S = 4 slices of C = 3 channels, H = 6, K = 3, with the checkerboard passes.</summary>
    private static readonly Lazy<NicModelFile> CheckerboardModel = new(() =>
        NicModelFile.Load(ModelFactory.CreateRandomBuilder(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 4, 6, 3) with { ContextCheckerboard = 1 }, seed: 33, CheckerboardModelName).Build()));

    /// <summary>Kernel 5, 2 slices of 6 channels, H = 5, with the checkerboard passes.</summary>
    private static readonly Lazy<NicModelFile> WideCheckerboardModel = new(() =>
        NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 2, 5, 5) with { ContextCheckerboard = 1 }, seed: 34)));

    [Fact]
    public void TheDefinitionAddsTheContextNetworksToTheMeanScaleTensors()
    {
        ModelHyperParameters hp = ModelHyperParameters.ForChannelContext(128, 192, 4, 96, 3);
        IReadOnlyList<ModelTensorSpec> cc = ModelArchitecture.Get(ModelArchitectureKind.Mbt2018MeanChannelContext).GetTensors(hp);
        IReadOnlyList<ModelTensorSpec> mean = ModelArchitecture.Get(ModelArchitectureKind.Mbt2018Mean).GetTensors(ModelHyperParameters.ForChannels(128, 192));
        Assert.Equal(mean.Select(s => (s.Name, string.Join(',', s.Shape))), cc.Where(s => !s.Name.StartsWith("context.", StringComparison.Ordinal)).Select(s => (s.Name, string.Join(',', s.Shape))));
        var context = cc.Where(s => s.Name.StartsWith("context.", StringComparison.Ordinal)).ToDictionary(s => s.Name, s => string.Join(',', s.Shape));
        Assert.Equal(18, context.Count);
        for (int k = 1; k < 4; k++)
        {
            Assert.Equal($"96,{k * 48},3,3", context[$"context.{k}.0.weight"]);
            Assert.Equal("96,96,1,1", context[$"context.{k}.2.weight"]);
            Assert.Equal("96,96,3,3", context[$"context.{k}.4.weight"]);
            Assert.Equal("96", context[$"context.{k}.4.bias"]);
        }

        Assert.Equal(ModelArchitecture.Get(ModelArchitectureKind.Mbt2018Mean).Geometry!.ToString(), ModelArchitecture.Get(ModelArchitectureKind.Mbt2018MeanChannelContext).Geometry!.ToString());
        NicModelFile file = Model.Value;
        Assert.Equal((4, 12, 3), (file.HyperParameters.ContextSlices, file.HyperParameters.ContextHidden, file.HyperParameters.ContextKernel));
        Assert.Equal("4", file.Metadata["context_slices"]);
        Assert.Equal(0, file.HyperParameters.ContextCheckerboard);
        Assert.False(file.Metadata.ContainsKey("context_checkerboard"));
    }

    [Fact]
    public void TheCheckerboardAddsOneSpatialNetworkPerSlice()
    {
        ModelHyperParameters hp = ModelHyperParameters.ForChannelContext(128, 192, 4, 96, 3) with { ContextCheckerboard = 1 };
        IReadOnlyList<ModelTensorSpec> cb = ModelArchitecture.Get(ModelArchitectureKind.Mbt2018MeanChannelContext).GetTensors(hp);
        IReadOnlyList<ModelTensorSpec> cc = ModelArchitecture.Get(ModelArchitectureKind.Mbt2018MeanChannelContext).GetTensors(hp with { ContextCheckerboard = 0 });
        Assert.Equal(cc.Select(s => (s.Name, string.Join(',', s.Shape))), cb.Where(s => !s.Name.StartsWith("spatial.", StringComparison.Ordinal)).Select(s => (s.Name, string.Join(',', s.Shape))));
        var spatial = cb.Where(s => s.Name.StartsWith("spatial.", StringComparison.Ordinal)).ToDictionary(s => s.Name, s => string.Join(',', s.Shape));
        Assert.Equal(24, spatial.Count);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal($"96,{(k + 1) * 48},3,3", spatial[$"spatial.{k}.0.weight"]);
            Assert.Equal("96,96,1,1", spatial[$"spatial.{k}.2.weight"]);
            Assert.Equal("96,96,3,3", spatial[$"spatial.{k}.4.weight"]);
            Assert.Equal("96", spatial[$"spatial.{k}.4.bias"]);
        }

        NicModelFile file = CheckerboardModel.Value;
        Assert.Equal(1, file.HyperParameters.ContextCheckerboard);
        Assert.Equal("1", file.Metadata["context_checkerboard"]);
        Assert.True(ChannelContextCoder.FromModel(file)!.Checkerboard);
        Assert.False(ChannelContextCoder.FromModel(Model.Value)!.Checkerboard);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void ACheckerboardOtherThanZeroOrOneIsRefused(int checkerboard)
    {
        ModelHyperParameters hp = ModelHyperParameters.ForChannelContext(8, 12, 4, 6, 3) with { ContextCheckerboard = checkerboard };
        Assert.Throws<ArgumentException>(() => ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, hp, seed: 1));
    }

    [Fact]
    public void ACheckerboardFileOutsideTheRulesIsAnArchitectureMismatch()
    {
        byte[] bytes = ModelFactory.CreateRandomBuilder(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 4, 6, 3) with { ContextCheckerboard = 1 }, seed: 33, CheckerboardModelName).Build();
        foreach (string value in new[] { "2", "x", "-" })
        {
            byte[] patched = Patch(bytes, "\"context_checkerboard\":\"1\"", $"\"context_checkerboard\":\"{value}\"");
            NicCodecException e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(patched));
            Assert.Equal(NicCodecError.ModelArchitectureMismatch, e.Error);
            Assert.Contains("context_checkerboard", e.Message, StringComparison.Ordinal);
        }

        // Read as 0 (the key renamed away), the file has tensors the architecture does not expect.
        NicCodecException missing = Assert.Throws<NicCodecException>(() => NicModelFile.Load(Patch(bytes, "\"context_checkerboard\"", "\"context_checkerboarx\"")));
        Assert.Equal(NicCodecError.ModelArchitectureMismatch, missing.Error);
        Assert.Contains("spatial.", missing.Message, StringComparison.Ordinal);

        // The checkerboard on an architecture without a context model is refused as the other context sizes are.
        Assert.Throws<ArgumentException>(() => ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, ModelHyperParameters.ForChannels(8, 12) with { ContextCheckerboard = 1 }, seed: 1));
    }

    [Theory]
    [InlineData(5, 8, 3)] // 5 does not divide M = 12
    [InlineData(1, 8, 3)]
    [InlineData(24, 8, 3)]
    [InlineData(4, 0, 3)]
    [InlineData(4, 1025, 3)]
    [InlineData(4, 8, 2)]
    [InlineData(4, 8, 9)]
    [InlineData(0, 0, 0)]
    public void HyperParametersOutsideTheRulesAreRefused(int slices, int hidden, int kernel)
    {
        ModelHyperParameters hp = ModelHyperParameters.ForChannelContext(8, 12, slices, hidden, kernel);
        Assert.Throws<ArgumentException>(() => ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, hp, seed: 1));
    }

    [Fact]
    public void AFileWhoseSlicesDoNotDivideMIsAnArchitectureMismatch()
    {
        byte[] bytes = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, 8, 12, seed: 31, ModelName, 3);
        byte[] patched = Patch(bytes, "\"context_slices\":\"4\"", "\"context_slices\":\"5\"");
        NicCodecException e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(patched));
        Assert.Equal(NicCodecError.ModelArchitectureMismatch, e.Error);
        Assert.Contains("context_slices", e.Message, StringComparison.Ordinal);

        // A context size on an architecture without a context model is refused as well.
        Assert.Throws<ArgumentException>(() => ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, ModelHyperParameters.ForChannels(8, 12) with { ContextSlices = 4 }, seed: 1));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("wide")]
    [InlineData("checkerboard")]
    [InlineData("checkerboard-wide")]
    public void ALatentRoundTripsBandByBandToTheEncodersReconstruction(string variant)
    {
        NicModelFile file = Variant(variant);
        (FeatureMap y, EntropyParameters parameters) = Latents(file, 128, 192);
        ChannelContextCoder coder = ChannelContextCoder.FromModel(file, 2)!;
        var encoded = new FeatureMap(y.Channels, y.Height, y.Width);
        var decoded = new FeatureMap(y.Channels, y.Height, y.Width);
        var plain = GaussianConditionalCoder.FromModel(file);
        int contextBytes = 0, plainBytes = 0;
        for (int first = 0; first < y.Height; first += 3)
        {
            int rows = Math.Min(3, y.Height - first);
            byte[] stream = coder.CompressRows(y, parameters, first, rows, encoded);
            int[] symbols = coder.DecompressRows(stream, parameters, first, rows, decoded);
            Assert.Equal(y.Channels * rows * y.Width, symbols.Length);

            // Coding the decoded symbols directly gives the same stream.
            Assert.Equal(stream, coder.EncodeSymbols(symbols, parameters, first, rows, new FeatureMap(y.Channels, y.Height, y.Width)));
            contextBytes += stream.Length;
            plainBytes += plain.CompressRows(y, parameters, first, rows, new FeatureMap(y.Channels, y.Height, y.Width)).Length;

            // The symbols are round(y − μ) under the band's means, in the coding order of spec/nic-coding.md §10.3.
            (_, float[] means, _) = coder.BandParameters(parameters, encoded, first, rows);
            int[] order = CodingOrder(file, y, first, rows);
            for (int i = 0; i < symbols.Length; i++)
            {
                Assert.Equal(LatentQuantizer.Quantize(y.Data[order[i]], means[i], order[i]), symbols[i]);
            }
        }

        Assert.Equal(Bits(encoded.Data), Bits(decoded.Data));

        // The networks move the means of slices 1 … S − 1 away from h_s's (and slice 0 keeps them, but for the
        // checkerboard's non-anchors), so the streams differ from the plain Gaussian conditional's.
        (_, float[] allMeans, _) = coder.BandParameters(parameters, encoded, 0, y.Height);
        int[] all = CodingOrder(file, y, 0, y.Height);
        int plane = y.PlaneSize, sliceElements = coder.SliceChannels * plane, anchors = coder.Checkerboard ? coder.SliceChannels * ((plane + 1) / 2) : sliceElements;
        Assert.All(Enumerable.Range(0, anchors), i => Assert.Equal(parameters.Means!.Data[all[i]], allMeans[i]));
        int moved = Enumerable.Range(anchors, y.Data.Length - anchors).Count(i => allMeans[i] != parameters.Means!.Data[all[i]]);
        Assert.True(moved > (y.Data.Length - anchors) / 2, $"{moved} means moved");
        if (coder.Checkerboard)
        {
            // Slice 0's non-anchors really take spatial.0's means.
            Assert.True(Enumerable.Range(anchors, sliceElements - anchors).Count(i => allMeans[i] != parameters.Means!.Data[all[i]]) > (sliceElements - anchors) / 2);
        }

        Assert.NotEqual(plainBytes, contextBytes);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("wide")]
    [InlineData("checkerboard")]
    [InlineData("checkerboard-wide")]
    public void TheRuleEqualsPlainScalarLoopsUnderEveryVectorWidthAndThreadCount(string variant)
    {
        NicModelFile file = Variant(variant);
        (FeatureMap y, EntropyParameters parameters) = Latents(file, 128, 128);
        var quantized = new FeatureMap(y.Channels, y.Height, y.Width);
        const int first = 2, rows = 3;
        ChannelContextCoder.FromModel(file, 1)!.CompressRows(y, parameters, first, rows, quantized);
        (float[] scales, float[] means, int[] indexes) expected = ScalarRule(file, parameters, quantized, first, rows);

        bool wide = DirectConvolution.UseWideVectors;
        try
        {
            foreach (bool useWide in new[] { false, true })
            {
                DirectConvolution.UseWideVectors = useWide;
                foreach (int threads in new[] { 1, 2, 5 })
                {
                    (float[] scales, float[] means, int[] indexes) = ChannelContextCoder.FromModel(file, threads)!.BandParameters(parameters, quantized, first, rows);
                    Assert.Equal(Bits(expected.scales), Bits(scales));
                    Assert.Equal(Bits(expected.means), Bits(means));
                    Assert.Equal(expected.indexes, indexes);
                }
            }
        }
        finally
        {
            DirectConvolution.UseWideVectors = wide;
        }

        // The scales really vary: more than one table is used in every slice.
        int segment = expected.indexes.Length / file.HyperParameters.ContextSlices;
        Assert.True(expected.indexes.Chunk(segment).All(slice => slice.Distinct().Count() > 1));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 1)]
    [InlineData(3, 5)]
    public void SmallBandsRoundTripWithTheCheckerboard(int rows, int width)
    {
        // A 1 × 1 band has no non-anchor (an empty second pass per slice); odd sizes have one anchor more than others.
        NicModelFile file = CheckerboardModel.Value;
        (FeatureMap big, EntropyParameters bigParameters) = Latents(file, 128, 128);
        FeatureMap y = Crop(big, rows, width);
        var parameters = new EntropyParameters(Crop(bigParameters.Scales, rows, width), Crop(bigParameters.Means!, rows, width));
        ChannelContextCoder coder = ChannelContextCoder.FromModel(file)!;
        var encoded = new FeatureMap(y.Channels, rows, width);
        var decoded = new FeatureMap(y.Channels, rows, width);
        byte[] stream = coder.CompressRows(y, parameters, 0, rows, encoded);
        int[] symbols = coder.DecompressRows(stream, parameters, 0, rows, decoded);
        Assert.Equal(Bits(encoded.Data), Bits(decoded.Data));
        Assert.Equal(stream, coder.EncodeSymbols(symbols, parameters, 0, rows, new FeatureMap(y.Channels, rows, width)));
        (float[] scales, float[] means, int[] indexes) expected = ScalarRule(file, parameters, encoded, 0, rows);
        (float[] scales, float[] means, int[] indexes) actual = coder.BandParameters(parameters, encoded, 0, rows);
        Assert.Equal(Bits(expected.scales), Bits(actual.scales));
        Assert.Equal(Bits(expected.means), Bits(actual.means));
        Assert.Equal(expected.indexes, actual.indexes);

        static FeatureMap Crop(FeatureMap map, int rows, int width)
        {
            var crop = new FeatureMap(map.Channels, rows, width);
            for (int c = 0; c < map.Channels; c++)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        crop[c, r, x] = map[c, r + 1, x + 2];
                    }
                }
            }

            return crop;
        }
    }

    /// <summary>
    /// The cross-machine check of the context path: a fixed random model and image must decode to these exact symbols
    /// and table indexes with one thread or two, with 256- or 512-bit vectors, and (in CI) with AVX-512 or all hardware
    /// intrinsics switched off.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheDecodedSymbolsAndIndexesAreTheSameOnEveryMachine(bool checkerboard)
    {
        RgbImage image = PipelineFixtures.Photo(150, 100, seed: 5);
        byte[] file = Codec(1, 2, checkerboard).Encode(image);
        bool wide = DirectConvolution.UseWideVectors;
        var hashes = new HashSet<string>();
        try
        {
            foreach (bool useWide in new[] { false, true })
            {
                DirectConvolution.UseWideVectors = useWide;
                foreach (int threads in new[] { 1, 2 })
                {
                    Assert.Equal(file, Codec(threads, 2, checkerboard).Encode(image));
                    hashes.Add(await SymbolsAndIndexesHash(Codec(threads, 2, checkerboard), file, checkerboard ? CheckerboardModel.Value : Model.Value));
                }
            }
        }
        finally
        {
            DirectConvolution.UseWideVectors = wide;
        }

        string hash = Assert.Single(hashes);
        string pinned = checkerboard ? CheckerboardPinnedHash : PinnedHash;
        Assert.True(hash == pinned, $"symbols and indexes hash {hash}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ContextsDoNotCrossBandEdges(bool checkerboard)
    {
        RgbImage image = PipelineFixtures.Photo(150, 130, seed: 6);
        byte[] two = Codec(2, 2, checkerboard).Encode(image), three = Codec(2, 3, checkerboard).Encode(image);
        NicFile twoBands = NicFile.Read(two), threeBands = NicFile.Read(three);
        Assert.NotEqual(twoBands.Bands[0], threeBands.Bands[0]);

        // Both decode.
        RgbImage fromTwo = await Decode(Codec(2, 2, checkerboard), two), fromThree = await Decode(Codec(2, 3, checkerboard), three);
        Assert.Equal((image.Width, image.Height), (fromTwo.Width, fromTwo.Height));
        Assert.Equal((image.Width, image.Height), (fromThree.Width, fromThree.Height));

        // A band decodes alone: with every other row of ŷ NaN, band 1 decodes to the same symbols and reconstruction.
        NicModelFile model = checkerboard ? CheckerboardModel.Value : Model.Value;
        EntropyParameters parameters = HyperParameters(model, twoBands);
        ChannelContextCoder coder = ChannelContextCoder.FromModel(model, 2)!;
        NicLatentShape shape = twoBands.Header.YShape;
        var full = new FeatureMap(shape.Channels, shape.Height, shape.Width);
        var symbols = new List<int[]>();
        for (int b = 0; b < twoBands.Bands.Count; b++)
        {
            symbols.Add(coder.DecompressRows(twoBands.Bands[b], parameters, twoBands.Header.GetBandFirstRow(b), twoBands.Header.GetBandRowCount(b), full));
        }

        var alone = new FeatureMap(shape.Channels, shape.Height, shape.Width);
        Array.Fill(alone.Data, float.NaN);
        Assert.Equal(symbols[1], coder.DecompressRows(twoBands.Bands[1], parameters, 2, 2, alone));
        for (int c = 0; c < shape.Channels; c++)
        {
            Assert.Equal(Bits(full.Row(c, 2).ToArray()), Bits(alone.Row(c, 2).ToArray()));
            Assert.Equal(Bits(full.Row(c, 3).ToArray()), Bits(alone.Row(c, 3).ToArray()));
        }
    }

    [Theory]
    [InlineData("truncated", NicCodecError.EntropyPayloadTruncated, false)]
    [InlineData("appended", NicCodecError.EntropyPayloadCorrupt, false)]
    [InlineData("last-word", NicCodecError.EntropyPayloadCorrupt, false)]
    [InlineData("truncated", NicCodecError.EntropyPayloadTruncated, true)]
    [InlineData("appended", NicCodecError.EntropyPayloadCorrupt, true)]
    [InlineData("last-word", NicCodecError.EntropyPayloadCorrupt, true)]
    public async Task ADamagedBandFailsWithTheEntropyErrors(string damage, NicCodecError error, bool checkerboard)
    {
        byte[] file = Codec(1, 2, checkerboard).Encode(PipelineFixtures.Photo(100, 70, seed: 7));
        NicFile parsed = NicFile.Read(file);
        byte[] band = parsed.Bands[1];
        byte[] damaged = damage switch
        {
            "truncated" => band[..^4],
            "appended" => [.. band, 0, 0, 0, 0],
            _ => Flipped(band, band.Length - 2),
        };
        var bands = parsed.Bands.ToList();
        bands[1] = damaged;
        byte[] bad = new NicFile { Header = parsed.Header, Metadata = parsed.Metadata, ZSubstream = parsed.ZSubstream, Bands = bands }.ToArray();
        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => Decode(Codec(1, 2, checkerboard), bad));
        if (damage == "last-word")
        {
            // The last word feeds the last slice's symbols: the end check (or a read past the end) catches it.
            Assert.Contains(e.Error, new[] { NicCodecError.EntropyPayloadCorrupt, NicCodecError.EntropyPayloadTruncated });
        }
        else
        {
            Assert.Equal(error, e.Error);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheDecodeMemoryEstimateAddsTheContextNetworksBuffers(bool checkerboard)
    {
        // The same image, shapes and bands with mbt2018-mean of the same N and M: the estimates differ by the context's
        // per-band buffers (spec/nic-coding.md §10.3, §11.7), counted once per band height (here every band has 2 rows).
        RgbImage image = PipelineFixtures.Photo(150, 100, seed: 8);
        NicCodec context = Codec(1, 2, checkerboard), plain = PipelineFixtures.Codec(1, 2);
        long withContext = await Estimate(context, context.Encode(image)), without = await Estimate(plain, plain.Encode(image));
        (long bandBytes, _) = ChannelContextCoder.FromModel(checkerboard ? CheckerboardModel.Value : Model.Value)!.BandFootprint(2, 12);
        Assert.True(bandBytes > 0);
        Assert.Equal(without + bandBytes, withContext);
        if (checkerboard)
        {
            // The spatial networks, the band's positions and a pass's gathered scales come on top of the context networks'.
            var sameSizes = NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 4, 6, 3), seed: 33));
            Assert.True(bandBytes > ChannelContextCoder.FromModel(sameSizes)!.BandFootprint(2, 12).Bytes);
        }

        static async Task<long> Estimate(NicCodec codec, byte[] file)
        {
            await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file));
            return codec.EstimateDecodeMemory(decoder.Info);
        }
    }

    [Fact]
    public void TheMultiplyAddsCountEveryContextAndSpatialNetworkOnce()
    {
        // M = 12, S = 4, C = 3, H = 6, K = 3 on a 128 × 128 image (8 × 8 latent): context.{k} reads k·C channels,
        // spatial.{k} (k + 1)·C; each network is conv K to H, conv 1 H → H, conv K to 2C.
        static long Network(int inChannels) => 64L * ((inChannels * 6 * 9) + (6 * 6) + (6 * 6 * 9));
        long expected = new[] { 3, 6, 9 }.Sum(Network) + new[] { 3, 6, 9, 12 }.Sum(Network);
        Assert.Equal(expected, ManagedModel.Create(CheckerboardModel.Value, 1).MultiplyAdds(128, 128)!.Value.Context);
        Assert.Equal(new[] { 3, 6, 9 }.Sum(Network), ManagedModel.Create(NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018MeanChannelContext, ModelHyperParameters.ForChannelContext(8, 12, 4, 6, 3), seed: 33)), 1).MultiplyAdds(128, 128)!.Value.Context);
    }

    /// <summary>The hash of <see cref="TheDecodedSymbolsAndIndexesAreTheSameOnEveryMachine"/>.</summary>
    private const string PinnedHash = "689673DC2492D35323D0399E06B9AB8E335E8000576C60BA68117DE65B0A3E98";

    /// <summary>The hash of <see cref="TheDecodedSymbolsAndIndexesAreTheSameOnEveryMachine"/> with the checkerboard passes.</summary>
    private const string CheckerboardPinnedHash = "DBBACDA47F9FA11FD979572F465846B2AA770E19EFFC490996389A0D3AC87258";

    private static NicModelFile Variant(string variant) => variant switch
    {
        "plain" => Model.Value,
        "wide" => WideKernelModel.Value,
        "checkerboard" => CheckerboardModel.Value,
        "checkerboard-wide" => WideCheckerboardModel.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    private static NicCodec Codec(int threads, int bandRows, bool checkerboard = false)
    {
        var catalog = new NicModelCatalog(includeShippedModels: false);
        catalog.Add(Model.Value);
        catalog.Add(CheckerboardModel.Value);
        // The reference arithmetic, in which the pinned hashes of the encoded files were made (g_a's last bits decide ŷ).
        return new NicCodec(
            catalog,
            new NicCodecOptions { IncludeShippedModels = false, DefaultModel = checkerboard ? CheckerboardModelName : ModelName, BandRows = bandRows, Parallelism = threads },
            new ManagedBackendFactory(threads) { Arithmetic = ManagedArithmetic.Reference });
    }

    /// <summary>
    /// The offset in y of each element of a band's stream, in spec/nic-coding.md §10.3's order: slice by slice; within a
    /// slice (channel, row, column), or with the checkerboard its anchors ((row − first + column) even) in that order
    /// and then its other elements.
    /// </summary>
    private static int[] CodingOrder(NicModelFile file, FeatureMap y, int first, int rows)
    {
        ModelHyperParameters hp = file.HyperParameters;
        int c = hp.M / hp.ContextSlices;
        var order = new List<int>();
        for (int slice = 0; slice < hp.ContextSlices; slice++)
        {
            foreach (int parity in hp.ContextCheckerboard == 1 ? new[] { 0, 1 } : new[] { -1 })
            {
                for (int ch = slice * c; ch < (slice + 1) * c; ch++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        for (int x = 0; x < y.Width; x++)
                        {
                            if (parity < 0 || ((r + x) % 2) == parity)
                            {
                                order.Add((ch * y.PlaneSize) + ((first + r) * y.Width) + x);
                            }
                        }
                    }
                }
            }
        }

        return [.. order];
    }

    private static async Task<RgbImage> Decode(NicCodec codec, byte[] file)
    {
        await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file));
        return await decoder.ReadImageAsync();
    }

    /// <summary>SHA-256 of the decoder's symbol hash followed by every band's table indexes (recomputed from the decoded ŷ).</summary>
    private static async Task<string> SymbolsAndIndexesHash(NicCodec codec, byte[] bytes, NicModelFile model)
    {
        await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(bytes));
        await decoder.ReadImageAsync();
        NicFile file = NicFile.Read(bytes);
        EntropyParameters parameters = HyperParameters(model, file);
        ChannelContextCoder coder = ChannelContextCoder.FromModel(model, 2)!;
        NicLatentShape shape = file.Header.YShape;
        var yHat = new FeatureMap(shape.Channels, shape.Height, shape.Width);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(decoder.SymbolsSha256!);
        for (int b = 0; b < file.Bands.Count; b++)
        {
            int first = file.Header.GetBandFirstRow(b), rows = file.Header.GetBandRowCount(b);
            coder.DecompressRows(file.Bands[b], parameters, first, rows, yHat);
            int[] indexes = coder.BandParameters(parameters, yHat, first, rows).Indexes;
            hash.AppendData(indexes.SelectMany(BitConverter.GetBytes).ToArray());
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>h_s's parameters for a file's ẑ.</summary>
    private static EntropyParameters HyperParameters(NicModelFile model, NicFile file)
    {
        var bottleneck = EntropyBottleneckCoder.FromModel(model);
        NicLatentShape z = file.Header.ZShape;
        int[] symbols = bottleneck.DecodeSymbols(file.ZSubstream!, z.Height, z.Width);
        return ManagedModel.Create(model, 1).HyperSynthesize(bottleneck.Dequantize(symbols, z.Height, z.Width));
    }

    /// <summary>y of a random image and h_s's parameters of its ẑ.</summary>
    private static (FeatureMap Y, EntropyParameters Parameters) Latents(NicModelFile file, int height, int width)
    {
        ManagedModel model = ManagedModel.Create(file, 2);
        FeatureMap image = LayerTests.RandomMap(new Random(3), 3, height, width);
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (image.Data[i] * 0.5f) + 0.5f;
        }

        FeatureMap y = model.Analyze(image);
        EntropyBottleneckCoder bottleneck = EntropyBottleneckCoder.FromModel(file);
        bottleneck.Compress(model.HyperAnalyze(y), out FeatureMap zHat);
        return (y, model.HyperSynthesize(zHat));
    }

    /// <summary>
    /// spec/nic-coding.md §10.3 written as plain loops: the residuals e = (ŷ − μ) / σ′ of the earlier slices over the
    /// band's rows, the three convolutions of §10's order with LeakyReLU(0.01), then μ = μ_hs + σ′·a,
    /// σ = σ′·max(1 + b, 1/16) and the table index by a linear search of the scale table (§6.1); with the checkerboard,
    /// the non-anchors' μ and σ by the same rule from <c>spatial.{k}</c> on the earlier slices' e and the slice's e at its
    /// anchors (0 elsewhere). Returned in the stream's order (slice; anchors, then the others; channel, row, column).
    /// </summary>
    private static (float[] Scales, float[] Means, int[] Indexes) ScalarRule(NicModelFile file, EntropyParameters parameters, FeatureMap quantized, int first, int rows)
    {
        ModelHyperParameters hp = file.HyperParameters;
        int s = hp.ContextSlices, c = hp.M / s, k = hp.ContextKernel, width = quantized.Width, band = rows * width;
        bool checkerboard = hp.ContextCheckerboard == 1;
        float[] table = file.ScaleTable.ToArray();
        float s0 = table[0];
        float Floor(float sigma) => sigma > s0 ? sigma : s0;
        float Hs(FeatureMap map, int channel, int y, int x) => map[channel, first + y, x];
        bool IsAnchor(int y, int x) => ((y + x) % 2) == 0;
        var scales = new float[hp.M * band];
        var means = new float[hp.M * band];
        var indexes = new int[hp.M * band];
        int n = 0;
        for (int slice = 0; slice < s; slice++)
        {
            // The slice's (σ, μ) at every position: h_s's or context.{slice}'s, then spatial.{slice}'s at the non-anchors.
            var sliceScales = new float[c, rows, width];
            var sliceMeans = new float[c, rows, width];
            FeatureMap? ab = slice > 0 ? Network($"context.{slice}", Residuals(slice * c, slice * c)) : null;
            Set(ab, anchorsToo: true);
            if (checkerboard)
            {
                Set(Network($"spatial.{slice}", Residuals((slice + 1) * c, slice * c)), anchorsToo: false);
            }

            foreach (int parity in checkerboard ? new[] { 0, 1 } : new[] { -1 })
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int y = 0; y < rows; y++)
                    {
                        for (int x = 0; x < width; x++)
                        {
                            if (parity >= 0 && ((y + x) % 2) != parity)
                            {
                                continue;
                            }

                            (scales[n], means[n]) = (sliceScales[ch, y, x], sliceMeans[ch, y, x]);
                            int index = table.Length - 1;
                            for (int t = 0; t < table.Length - 1; t++)
                            {
                                if (!(table[t] < scales[n]))
                                {
                                    index = t;
                                    break;
                                }
                            }

                            indexes[n++] = index;
                        }
                    }
                }
            }

            void Set(FeatureMap? output, bool anchorsToo)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    int channel = (slice * c) + ch;
                    for (int y = 0; y < rows; y++)
                    {
                        for (int x = 0; x < width; x++)
                        {
                            if (!anchorsToo && IsAnchor(y, x))
                            {
                                continue;
                            }

                            float sigmaHs = Hs(parameters.Scales, channel, y, x), muHs = Hs(parameters.Means!, channel, y, x);
                            if (output is null)
                            {
                                (sliceScales[ch, y, x], sliceMeans[ch, y, x]) = (sigmaHs, muHs);
                            }
                            else
                            {
                                float sigma = Floor(sigmaHs);
                                float product = sigma * output[ch, y, x];
                                sliceMeans[ch, y, x] = muHs + product;
                                float factor = 1f + output[c + ch, y, x];
                                sliceScales[ch, y, x] = sigma * (factor > 1f / 16 ? factor : 1f / 16);
                            }
                        }
                    }
                }
            }
        }

        return (scales, means, indexes);

        // e of channels 0 … channels − 1 over the band, 0 at the non-anchors of the channels from anchorsFrom on.
        FeatureMap Residuals(int channels, int anchorsFrom)
        {
            var e = new FeatureMap(channels, rows, width);
            for (int ch = 0; ch < channels; ch++)
            {
                for (int y = 0; y < rows; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        e[ch, y, x] = ch >= anchorsFrom && !IsAnchor(y, x) ? 0f
                            : (quantized[ch, first + y, x] - Hs(parameters.Means!, ch, y, x)) / Floor(Hs(parameters.Scales, ch, y, x));
                    }
                }
            }

            return e;
        }

        FeatureMap Network(string prefix, FeatureMap h)
        {
            foreach ((string layer, int kernel, bool leaky) in new[] { ("0", k, true), ("2", 1, true), ("4", k, false) })
            {
                string name = $"{prefix}.{layer}";
                ModelTensor w = file.GetTensor(name + ".weight");
                h = ScalarReference.Conv(h, w.Shape[0], kernel, 1, w.Float32Data.ToArray(), file.GetFloat32(name + ".bias").ToArray());
                if (leaky)
                {
                    h = new FeatureMap(h.Channels, h.Height, h.Width, [.. h.Data.Select(v => ScalarReference.Activation(v, 0.01f))]);
                }
            }

            return h;
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    private static byte[] Flipped(byte[] bytes, int index)
    {
        byte[] copy = [.. bytes];
        copy[index] ^= 0x5A;
        return copy;
    }

    private static byte[] Patch(byte[] bytes, string from, string to)
    {
        string text = Encoding.Latin1.GetString(bytes);
        int at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{from} not found");
        byte[] copy = [.. bytes];
        Encoding.Latin1.GetBytes(to).CopyTo(copy, at);
        return copy;
    }
}
