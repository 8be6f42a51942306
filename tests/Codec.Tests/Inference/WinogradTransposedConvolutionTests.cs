using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// g_s's 5 × 5 stride-2 transposed convolutions in the Winograd arithmetic (<see cref="WinogradTransposedConvolution"/>,
/// spec/nic-model.md §10.3): within rounding of the direct transposed convolution, the section's scalar model bit for
/// bit, and the same bits for any thread count, vector width and band of input rows on the tile grid.
/// </summary>
[Collection(nameof(VectorWidthCollection))]
public sealed class WinogradTransposedConvolutionTests
{
    /// <summary>
    /// Input channels, output channels, input rows and columns: one tile cut by the image's edge (1 × 1), one whole tile,
    /// tiles cut at the bottom and right, exactly one group of 24 output channels, two groups (24 + 1) with a block of 24
    /// tiles and one more (100 columns: 25 tiles; with 512-bit vectors one partial block of 32), exactly one 256-bit block
    /// (96 columns), three groups (24, 24, 2) over a block and a part with either vector width (130 columns: 33 tiles), and
    /// 257 columns (65 tiles, the last cut after one column: the output transform's vectors, then single columns), and
    /// g_s's last layer's shape, 3 output channels (12 phase channels: a channel block and a part).
    /// </summary>
    public static TheoryData<int, int, int, int> Cases => new()
    {
        { 16, 16, 1, 1 }, { 16, 16, 4, 4 }, { 16, 17, 5, 7 }, { 20, 24, 9, 33 }, { 16, 25, 6, 100 }, { 16, 48, 5, 96 }, { 24, 50, 3, 130 },
        { 16, 16, 7, 257 }, { 16, 3, 6, 41 },
    };

    private static (ConvTranspose2dLayer Winograd, FeatureMap Input, float[] Weight, float[] Bias) Make(int cin, int cout, int h, int w)
    {
        var random = new Random((cin * 1000) + (cout * 10) + h + w);
        FeatureMap x = LayerTests.RandomMap(random, cin, h, w);
        float[] weight = LayerTests.RandomArray(random, cin * cout * 25, 0.3f), bias = LayerTests.RandomArray(random, cout, 0.1f);
        return (new ConvTranspose2dLayer(cin, cout, 5, weight, bias, ManagedArithmetic.Winograd), x, weight, bias);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WinogradIsTheDirectTransposedConvolutionWithinRounding(int cin, int cout, int h, int w)
    {
        (ConvTranspose2dLayer winograd, FeatureMap x, float[] weight, float[] bias) = Make(cin, cout, h, w);
        Assert.True(winograd.IsWinograd);
        Assert.False(new ConvTranspose2dLayer(cin, cout, 5, weight, bias, ManagedArithmetic.Fused).IsWinograd);
        WinogradConvolutionTests.AssertWithinRounding(ScalarReference.ConvTranspose(x, cout, 5, weight, bias, fused: true), winograd.Forward(x, LayerTests.Context(1)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSpecsScalarModelBitForBitForAnyThreadsAndVectorWidth(int cin, int cout, int h, int w)
    {
        (ConvTranspose2dLayer winograd, FeatureMap x, float[] weight, float[] bias) = Make(cin, cout, h, w);
        FeatureMap expected = ScalarReference.WinogradTransposed(x, cout, weight, bias);
        LayerTests.AssertForEveryEngineSetting(expected, p => winograd.Forward(x, LayerTests.Context(p)));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    public void BandsOnTheTileGridAreTheFullFrameBitForBit(int band)
    {
        (ConvTranspose2dLayer winograd, FeatureMap x, _, _) = Make(16, 18, 31, 37);
        FeatureMap full = winograd.Forward(x, LayerTests.Context(2));
        var rows = new FeatureMap(18, full.Height, full.Width);
        for (int first = 0; first < x.Height; first += band)
        {
            int count = Math.Min(band, x.Height - first);

            // Only the input rows the band reads (InputRowsEnd), as a streaming caller keeps them, in a window whose rows are
            // wider than the input (the stream's stage 0 reads its stripe's columns of the latent so).
            int start = Math.Max(0, first - 1), end = winograd.InputRowsEnd(first, count, x.Height);
            FeatureMap window = x.SliceRows(start, end - start);
            var wide = new FeatureMap(16, end - start, x.Width + 5);
            for (int c = 0; c < 16; c++)
            {
                for (int y = 0; y < end - start; y++)
                {
                    window.Data.AsSpan((c * window.PlaneSize) + (y * x.Width), x.Width).CopyTo(wide.Data.AsSpan((int)((c * wide.PlaneSize) + (y * wide.Width) + 3)));
                }
            }

            winograd.ForwardRows(wide.Data, wide.PlaneSize, wide.Width, 3, start, end - start, x.Height, x.Width, first, count, rows, 2 * first, LayerTests.Context(2));
        }

        Assert.Equal(full.Data, rows.Data);
    }

    [Fact]
    public void ABandOffTheTileGridOrWithoutItsInputRowsIsRefused()
    {
        (ConvTranspose2dLayer winograd, FeatureMap x, _, _) = Make(16, 16, 20, 20);
        var output = new FeatureMap(16, 40, 40);
        Assert.Equal(4, winograd.RowAlignment);
        Assert.Throws<ArgumentException>(() => winograd.ForwardRows(x.Data, x.PlaneSize, x.Width, 0, 0, x.Height, x.Height, x.Width, 2, 4, output, 0, LayerTests.Context(1)));

        // Input rows 0 … 3 make output rows 0 … 7 from input rows 0 … 4 (the tile's last, 4R + 4).
        Assert.Equal(5, winograd.InputRowsEnd(0, 4, x.Height));
        FeatureMap few = x.SliceRows(0, 4);
        Assert.Throws<ArgumentException>(() => winograd.ForwardRows(few.Data, few.PlaneSize, x.Width, 0, 0, 4, x.Height, x.Width, 0, 4, output, 0, LayerTests.Context(1)));
    }

    [Fact]
    public void OnlyKernel5WithEnoughInputChannelsTakesIt()
    {
        var random = new Random(3);
        Assert.False(new ConvTranspose2dLayer(8, 16, 5, LayerTests.RandomArray(random, 8 * 16 * 25, 1), new float[16], ManagedArithmetic.Winograd).IsWinograd);
        Assert.True(new ConvTranspose2dLayer(16, 3, 5, LayerTests.RandomArray(random, 16 * 3 * 25, 1), new float[3], ManagedArithmetic.Winograd).IsWinograd);
        Assert.False(new ConvTranspose2dLayer(16, 16, 3, LayerTests.RandomArray(random, 16 * 16 * 9, 1), new float[16], ManagedArithmetic.Winograd).IsWinograd);
        var direct = new ConvTranspose2dLayer(16, 16, 3, LayerTests.RandomArray(random, 16 * 16 * 9, 1), new float[16], ManagedArithmetic.Winograd);
        Assert.Equal(1, direct.RowAlignment);
        Assert.Equal(ManagedArithmetic.Winograd, direct.Arithmetic);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(2, 3)]
    public void AStreamOfWinogradLayersIsTheFullFrameBitForBitOrRefusedWhereItsLastTilesWouldPassABand(int runRows, int stripes)
    {
        // Another g_s than the image models': a fused layer, then two Winograd ones (8 output rows a latent row). Latent
        // rows arrive one by one, each run asked for once Reach's halo below it has arrived, in chunks of one tile row.
        // 50 latent columns: stripes from 0, 16 and 33 (two or three), windows from 0, 12 and 28 (29 moved down to even).
        var random = new Random(11);
        ConvTranspose2dLayer Layer(ManagedArithmetic arithmetic) =>
            new(16, 16, 5, LayerTests.RandomArray(random, 16 * 16 * 25, 0.2f), LayerTests.RandomArray(random, 16, 0.1f), arithmetic);
        var synthesis = new SequentialLayers([Layer(ManagedArithmetic.Fused), Layer(ManagedArithmetic.Winograd), Layer(ManagedArithmetic.Winograd)], "g_s");
        FeatureMap latent = LayerTests.RandomMap(random, 16, 13, 50);
        FeatureMap full = synthesis.Forward(latent, LayerTests.Context(2));
        (int halo, int alignment) = SynthesisStream.Reach(synthesis);
        Assert.Equal((4, 2), (halo, alignment)); // 0 → 2 → 12 → 32 output rows: 4 latent rows; g_s.1's tiles are 2 latent rows

        var arriving = new FeatureMap(16, latent.Height, latent.Width);
        SynthesisStream stream = SynthesisStream.Create(synthesis, arriving, stripes, chunkBytes: 1)!;
        int done = 0;
        for (int end = 1; done < latent.Height; end++)
        {
            for (int c = 0; c < 16; c++)
            {
                latent.Plane(c)[..(end * latent.Width)].CopyTo(arriving.Plane(c));
            }

            for (int ready = end == latent.Height ? end : end - halo; done < ready;)
            {
                int rows = Math.Min(runRows, ready - done);
                var band = new FeatureMap(16, rows * 8, latent.Width * 8);
                stream.Synthesize(done, rows, end, band, LayerTests.Context(2));
                Assert.Equal(full.SliceRows(done * 8, rows * 8).Data, band.Data);
                done += rows;
            }
        }

        // Two Winograd layers: the last one's tile rows (4 input rows) are two latent rows, so a band could end inside one.
        Assert.Null(SynthesisStream.Create(new SequentialLayers([Layer(ManagedArithmetic.Winograd), Layer(ManagedArithmetic.Winograd)], "g_s"), latent));
    }

    [Fact]
    public void RowsBelowIsTheMostLatentRowsAStreamReadsBelowABand()
    {
        // For each band end, the fewest latent rows with which a fresh stream makes the rows above it; the most of them
        // past the end must be RowsBelow. The image models' shape (a fused layer, then three Winograd ones: 5 below a band
        // whose last row is even, 4 below an odd one) and another (a Winograd layer on the latent, then a fused one).
        var random = new Random(13);
        ConvTranspose2dLayer Layer(ManagedArithmetic arithmetic) =>
            new(16, 16, 5, LayerTests.RandomArray(random, 16 * 16 * 25, 0.2f), LayerTests.RandomArray(random, 16, 0.1f), arithmetic);
        (SequentialLayers Synthesis, int Expected)[] cases =
        [
            (new SequentialLayers([Layer(ManagedArithmetic.Fused), Layer(ManagedArithmetic.Winograd), Layer(ManagedArithmetic.Winograd), Layer(ManagedArithmetic.Winograd)], "g_s"), 5),
            (new SequentialLayers([Layer(ManagedArithmetic.Winograd), Layer(ManagedArithmetic.Fused)], "g_s"), 5),
        ];
        foreach ((SequentialLayers synthesis, int expected) in cases)
        {
            int factor = 1 << synthesis.Layers.Count;
            FeatureMap latent = LayerTests.RandomMap(random, 16, 14, 18);
            int most = 0;
            for (int end = 1; end <= 8; end++)
            {
                int available = end;
                for (; ; available++)
                {
                    SynthesisStream stream = SynthesisStream.Create(synthesis, latent)!;
                    try
                    {
                        stream.Synthesize(0, end, available, new FeatureMap(16, end * factor, latent.Width * factor), LayerTests.Context(1));
                        break;
                    }
                    catch (InvalidOperationException)
                    {
                        Assert.True(available < end + 8, $"end {end}: no stream of up to {available} rows");
                    }
                }

                most = Math.Max(most, available - end);
            }

            Assert.Equal(expected, most);
            Assert.Equal(expected, SynthesisStream.RowsBelow(synthesis));
        }
    }

    [Fact]
    public void TheSpoiledMarginGrowsByATile()
    {
        // The direct layer: twice the spoiled columns and k/2; the Winograd layer: twice and a tile of 8 output columns.
        var random = new Random(5);
        var direct = new ConvTranspose2dLayer(16, 16, 5, LayerTests.RandomArray(random, 16 * 16 * 25, 1), new float[16], ManagedArithmetic.Fused);
        (ConvTranspose2dLayer winograd, _, _, _) = Make(16, 16, 4, 4);
        Assert.Equal(6, direct.SpoiledOutputs(2));
        Assert.Equal(12, winograd.SpoiledOutputs(2));
    }
}
