using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// g_a's 5 × 5 stride-2 convolutions in the Winograd arithmetic (<see cref="WinogradConvolution"/>, spec/nic-model.md
/// §10.3): within rounding of the direct convolution, the section's scalar model bit for bit, and the same bits for any
/// thread count, vector width, work-item size and band of rows on the tile grid.
/// </summary>
[Collection(nameof(VectorWidthCollection))]
public sealed class WinogradConvolutionTests
{
    /// <summary>
    /// Input channels, output channels (a multiple of the 8-channel block or not), rows and columns: one tile, tiles cut by
    /// the image's edge, exactly one block of tiles with 256-bit vectors (192 columns: 24 tiles), one block and a part of
    /// a second (200 columns: 25 tiles; with 512-bit vectors one partial block of 32), more blocks and a part (400 columns).
    /// With 32 output channels or more a row's last few tiles join the block before them (DirectConvolution.FewColumns):
    /// 264 columns (33 tiles: 32 + 1 with 512-bit vectors; 24 and 9 apart with 256-bit ones), 208 columns (26 tiles: 24 +
    /// 2 with 256-bit vectors), 16 columns (2 tiles, a block of few columns alone), a stripe's 66 tiles (528 columns:
    /// 32, 32 + 2 with 512-bit vectors), 50 tiles (400 columns: 24, 24 + 2 with 256-bit vectors), and the most tiles that
    /// join: 36 (288 columns: 32 + 4, 512-bit) and 32 (256 columns: 24 + 8, 256-bit). 265 columns make an output row of
    /// 133 columns, which ends mid-tile after four groups of 32 that the output transform writes by vectors.
    /// </summary>
    public static TheoryData<int, int, int, int> Cases => new()
    {
        { 16, 8, 1, 1 }, { 16, 8, 8, 8 }, { 16, 13, 9, 11 }, { 20, 9, 37, 61 }, { 16, 8, 6, 192 }, { 16, 16, 10, 200 }, { 32, 24, 13, 400 },
        { 16, 40, 5, 264 }, { 16, 36, 5, 208 }, { 16, 32, 9, 16 }, { 16, 48, 5, 528 }, { 16, 40, 5, 400 }, { 16, 32, 5, 288 }, { 16, 56, 3, 256 },
        { 16, 40, 5, 265 },
    };

    private static (Conv2dLayer Winograd, FeatureMap Input, float[] Weight, float[] Bias) Make(int cin, int cout, int h, int w)
    {
        var random = new Random((cin * 1000) + (cout * 10) + h + w);
        FeatureMap x = LayerTests.RandomMap(random, cin, h, w);
        float[] weight = LayerTests.RandomArray(random, cout * cin * 25, 0.3f), bias = LayerTests.RandomArray(random, cout, 0.1f);
        return (new Conv2dLayer(cin, cout, 5, 2, weight, bias, ManagedArithmetic.Winograd), x, weight, bias);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WinogradIsTheDirectConvolutionWithinRounding(int cin, int cout, int h, int w)
    {
        (Conv2dLayer winograd, FeatureMap x, float[] weight, float[] bias) = Make(cin, cout, h, w);
        Assert.True(winograd.IsWinograd);
        Assert.False(new Conv2dLayer(cin, cout, 5, 2, weight, bias, ManagedArithmetic.Fused).IsWinograd);
        AssertWithinRounding(ScalarReference.Conv(x, cout, 5, 2, weight, bias, fused: true), winograd.Forward(x, LayerTests.Context(1)));
    }

    /// <summary>
    /// A Winograd layer's output within a relative 10⁻⁵ of the largest output of the direct layer's, element by element,
    /// and not the direct layer by another name (some element differs, where there are more than one tile's).
    /// </summary>
    internal static void AssertWithinRounding(FeatureMap direct, FeatureMap winograd)
    {
        Assert.Equal((direct.Channels, direct.Height, direct.Width), (winograd.Channels, winograd.Height, winograd.Width));
        float largest = direct.Data.Max(MathF.Abs);
        for (int i = 0; i < direct.Data.Length; i++)
        {
            Assert.True(MathF.Abs(winograd.Data[i] - direct.Data[i]) <= 1e-5f * largest, $"element {i}: {winograd.Data[i]} against {direct.Data[i]} (largest {largest})");
        }

        if (direct.Data.Length > 16)
        {
            Assert.Contains(Enumerable.Range(0, direct.Data.Length), i => winograd.Data[i] != direct.Data[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSpecsScalarModelBitForBitForAnyThreadsVectorWidthAndWorkItems(int cin, int cout, int h, int w)
    {
        (Conv2dLayer winograd, FeatureMap x, float[] weight, float[] bias) = Make(cin, cout, h, w);
        FeatureMap expected = ScalarReference.Winograd(x, cout, weight, bias);
        LayerTests.AssertForEveryEngineSetting(expected, p => winograd.Forward(x, LayerTests.Context(p)));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    public void BandsOnTheTileGridAreTheFullFrameBitForBit(int band)
    {
        (Conv2dLayer winograd, FeatureMap x, _, _) = Make(16, 11, 61, 75);
        FeatureMap full = winograd.Forward(x, LayerTests.Context(2));
        var rows = new FeatureMap(11, full.Height, full.Width);
        for (int first = 0; first < full.Height; first += band)
        {
            int count = Math.Min(band, full.Height - first);

            // Only the input rows the band reads (InputRowsEnd), as a streaming caller keeps them.
            int start = Math.Max(0, winograd.FirstInputRow(first)), end = winograd.InputRowsEnd(first, count, x.Height);
            FeatureMap window = x.SliceRows(start, end - start);
            winograd.ForwardRows(window.Data, window.PlaneSize, start, end - start, x.Height, x.Width, first, count, rows, first, LayerTests.Context(2));
        }

        Assert.Equal(full.Data, rows.Data);
    }

    [Fact]
    public void ABandOffTheTileGridOrWithoutItsInputRowsIsRefused()
    {
        (Conv2dLayer winograd, FeatureMap x, _, _) = Make(16, 8, 40, 40);
        var output = new FeatureMap(8, 20, 20);
        Assert.Equal(4, winograd.RowAlignment);
        Assert.Throws<ArgumentException>(() => winograd.ForwardRows(x.Data, x.PlaneSize, 0, x.Height, x.Height, x.Width, 2, 4, output, 0, LayerTests.Context(1)));
        FeatureMap few = x.SliceRows(0, 8); // rows 0 … 3 read input rows 0 … 8
        Assert.Throws<ArgumentException>(() => winograd.ForwardRows(few.Data, few.PlaneSize, 0, 8, x.Height, x.Width, 0, 4, output, 0, LayerTests.Context(1)));
    }

    [Fact]
    public void OnlyKernel5Stride2WithEnoughChannelsTakesIt()
    {
        var random = new Random(3);
        Assert.False(new Conv2dLayer(8, 8, 5, 2, LayerTests.RandomArray(random, 8 * 8 * 25, 1), new float[8], ManagedArithmetic.Winograd).IsWinograd);
        Assert.False(new Conv2dLayer(16, 8, 3, 1, LayerTests.RandomArray(random, 16 * 8 * 9, 1), new float[8], ManagedArithmetic.Winograd).IsWinograd);
        Assert.False(new Conv2dLayer(16, 8, 5, 1, LayerTests.RandomArray(random, 16 * 8 * 25, 1), new float[8], ManagedArithmetic.Winograd).IsWinograd);
        Assert.Equal(1, new Conv2dLayer(16, 8, 5, 1, LayerTests.RandomArray(random, 16 * 8 * 25, 1), new float[8], ManagedArithmetic.Winograd).RowAlignment);
    }
}
