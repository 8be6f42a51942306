using Nic.Codec.Imaging;
using Nic.Codec.Pipeline;
using Nic.Format;
using Xunit.Abstractions;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// The decode plan (spec/nic-coding.md §11.4, §11.7): its schedule synthesizes every latent row the image needs exactly
/// once, never before the rows its halo reads have arrived, and the decoder follows it; its memory estimate is above
/// what a decode holds.
/// </summary>
[Collection(nameof(SoloCollection))]
public sealed class DecodePlanTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1 }, { 16, 1 }, { 17, 2 }, { 64, 3 }, { 100, 1 }, { 333, 2 }, { 333, 8 }, { 1000, 3 }, { 1000, 64 }, { 4000, 5 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheScheduleSynthesizesEveryNeededRowOnceAndOnlyOnceItsHaloHasArrived(int height, int bandRows)
    {
        CodecModel model = PipelineFixtures.Codec().GetModel(PipelineFixtures.MeanScale.Value);
        DecodePlan plan = DecodePlan.Create(Header(model, 48, height, bandRows), model);
        NicHeader header = plan.Header;
        Assert.Equal((height + 15) / 16, plan.NeededRows);

        int next = 0;
        for (int band = 0; band < header.BandCount; band++)
        {
            int end = header.GetBandFirstRow(band) + header.GetBandRowCount(band);
            foreach ((int first, int rows) in plan.RunsAfterBand(band))
            {
                Assert.Equal(next, first);
                Assert.InRange(rows, 1, DecodePlan.MaxSynthesisRows);

                // A run reads Halo rows below its last one: they must have arrived, unless the latent ends first.
                Assert.True(end == header.YShape.Height || first + rows + plan.Halo <= end, $"band {band} (rows to {end}) synthesizes {first}…{first + rows - 1}");
                next = first + rows;
            }
        }

        Assert.Equal(plan.NeededRows, next);
    }

    [Fact]
    public async Task TheDecoderHandsOutTheRowsOfThePlansRunsInOrder()
    {
        NicCodec codec = PipelineFixtures.Codec(bandRows: 3);
        byte[] file = codec.Encode(PipelineFixtures.Photo(70, 200));
        NicImageInfo info = await codec.IdentifyAsync(file);
        DecodePlan plan = DecodePlan.Create(info.Header, codec.GetModel(info.Header));
        var expected = new List<(int, int)>();
        for (int band = 0; band < info.Header.BandCount; band++)
        {
            expected.AddRange(plan.RunsAfterBand(band).Select(run => (run.FirstRow * 16, Math.Min(run.Rows * 16, 200 - (run.FirstRow * 16)))));
        }

        await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file));
        var blocks = new List<(int, int)>();
        await foreach (RgbRowBlock block in decoder.ReadRowsAsync())
        {
            blocks.Add((block.FirstRow, block.RowCount));
        }

        Assert.Equal(expected, blocks);
        Assert.Equal(plan.Memory.Bytes, codec.EstimateDecodeMemory(info));
    }

    [Theory]
    [InlineData("test-mean-q2", 512, 384, 2)]
    [InlineData("test-hyperprior", 300, 700, 1)]
    [InlineData("test-factorized", 640, 200, 4)]
    public async Task TheEstimateIsAboveTheLiveMemoryOfADecode(string name, int width, int height, int bandRows)
    {
        byte[] file = EncodedPhoto(name, width, height, bandRows);

        // A fresh codec (empty buffer pools), its model built before the baseline; the live heap is sampled after full
        // collections throughout the decode (a sample may miss the peak, never overstate it), on a thread of its own
        // that has taken its first sample before the decode starts: a pool task could start after a short decode ends.
        NicCodec fresh = PipelineFixtures.Codec(parallelism: 2, bandRows: bandRows, model: name);
        NicImageInfo info = await fresh.IdentifyAsync(file);
        long estimate = fresh.EstimateDecodeMemory(info);
        fresh.GetModel(info.Header);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        int stop = 0;
        using var sampling = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            do
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                sampling.Set();
                Thread.Sleep(1);
            }
            while (Volatile.Read(ref stop) == 0);
        })
        { IsBackground = true };
        sampler.Start();
        sampling.Wait();
        RgbImage decoded;
        try
        {
            decoded = await fresh.DecodeAsync(file);
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            sampler.Join();
        }

        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        GC.KeepAlive(decoded);

        output.WriteLine($"{name} {width}×{height}, bands of {bandRows}: estimate {estimate:N0} bytes, largest live sample {peak:N0} bytes");
        Assert.True(peak > (long)width * height * 3, $"the decoded image alone is {width * height * 3:N0} bytes; sampled {peak:N0}");
        Assert.True(estimate >= peak, $"estimate {estimate:N0} < sampled live {peak:N0}");
    }

    /// <summary>
    /// The file of a photo encoded by a codec of its own, in a method that returns before the baseline: a temporary of
    /// the test's own frame (the image) could stay live until the decode's first await returns from it, so that the
    /// heap shrank during the decode and its growth read as nothing (the case run alone sampled 0 bytes).
    /// </summary>
    private static byte[] EncodedPhoto(string name, int width, int height, int bandRows) =>
        PipelineFixtures.Codec(parallelism: 2, bandRows: bandRows, model: name).Encode(PipelineFixtures.Photo(width, height));

    [Fact]
    public void AHeaderWhoseShapesAreNotTheModelsIsRefusedWhenPlanned()
    {
        CodecModel model = PipelineFixtures.Codec().GetModel(PipelineFixtures.MeanScale.Value);
        NicHeader good = Header(model, 100, 100, 2);
        NicHeader wrongY = Header(model, 100, 100, 2) with { YShape = new NicLatentShape(model.M, 5, 4) };
        Assert.Equal(7, DecodePlan.Create(good, model).NeededRows);
        NicCodecException e = Assert.Throws<NicCodecException>(() => DecodePlan.Create(wrongY, model));
        Assert.Equal(NicCodecError.LatentShapeMismatch, e.Error);
    }

    private static NicHeader Header(CodecModel model, int width, int height, int bandRows)
    {
        int paddedWidth = ImagePlanes.Align(width, model.Alignment), paddedHeight = ImagePlanes.Align(height, model.Alignment);
        return new NicHeader
        {
            Width = width,
            Height = height,
            Alignment = model.Alignment,
            Model = model.File.Id,
            ZShape = new NicLatentShape(model.N, paddedHeight / 64, paddedWidth / 64),
            YShape = new NicLatentShape(model.M, paddedHeight / 16, paddedWidth / 16),
            BandRows = Math.Min(bandRows, paddedHeight / 16),
        };
    }
}
