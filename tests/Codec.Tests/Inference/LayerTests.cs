using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>Every layer against its scalar reference, bit for bit, for any thread count and vector width.</summary>
[Collection(nameof(VectorWidthCollection))]
public class LayerTests
{
    internal static float[] RandomArray(Random random, int n, float scale)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return a;
    }

    /// <summary>A context with a shared pool, so that reused (dirty) buffers take part in every comparison.</summary>
    internal static LayerContext Context(int threads) => new(threads, SharedPool);

    private static readonly BufferPool SharedPool = new(64L << 20);

    internal static FeatureMap RandomMap(Random random, int c, int h, int w) => new(c, h, w, RandomArray(random, c * h * w, 1));

    public static TheoryData<int, int, int, int, int, int> ConvCases => new()
    {
        { 3, 5, 7, 9, 5, 2 }, { 4, 9, 6, 5, 5, 1 }, { 3, 10, 17, 33, 3, 1 }, { 5, 3, 8, 8, 5, 2 },
        { 2, 2, 1, 1, 5, 2 }, { 6, 17, 9, 20, 3, 2 }, { 8, 16, 4, 37, 5, 2 }, { 1, 20, 28, 28, 5, 2 },
        { 4, 8, 3, 50, 3, 1 }, // two whole blocks of the 256-bit kernel's 24 columns and a part of 2
        { 3, 9, 4, 40, 3, 1 }, // a block of 24 and a tail of 16 (256-bit); a block of 32 and a tail of 8 (512-bit)
        { 3, 9, 4, 48, 3, 1 }, // two blocks of 24 (256-bit); a block of 32 and a whole tail of 16 (512-bit)
        { 6, 9, 4, 150, 5, 2 }, // 75 output columns: two column chunks of 64 when items are cut small
        // The kernel of a few columns (DirectConvolution.FewColumns), four channel blocks at a time, and in groups of fewer:
        { 5, 40, 3, 34, 3, 1 }, // 512-bit: a block of 32 and 2 few columns; 5 blocks (a group of 4 and one of 1)
        { 4, 32, 3, 3, 3, 1 }, // 3 columns, all of them few at both widths
        { 3, 36, 4, 29, 3, 1 }, // 256-bit: a block of 24 and 5 few columns; a last block of 4 channels
        { 6, 33, 5, 70, 5, 2 }, // 35 output columns, 512-bit: 32 and 3 few; a last block of 1 channel
        { 3, 32, 2, 147, 3, 1 }, // 144 columns (column chunks of 64 when items are cut small) and 3 few at both widths
        { 3, 48, 2, 36, 3, 1 }, // 512-bit: 32 and the most few columns, 4; groups of 4 and 2 blocks
        { 3, 56, 2, 32, 3, 1 }, // 256-bit: 24 and the most few columns, 8; groups of 4 and 3 blocks
        { 2, 50, 2, 20, 3, 1 }, // 512-bit: a tail of 16 and 4 few; groups of 4 and 3 blocks, the last of 2 channels
        // 1 × 1: one tap at offset 0, which the main row kernels take in their single-tap form (DirectConvolution.SingleTap)
        { 7, 12, 3, 50, 1, 1 }, // 256-bit: two blocks of 24 and a tail of 2; 512-bit: blocks of 32 and 18 (the 4-channel block: the narrow kernel)
        { 40, 36, 2, 29, 1, 1 }, // 256-bit: a block of 24 and 5 few columns; 512-bit: one block of 32
        { 9, 17, 3, 70, 1, 2 }, // stride 2: 35 output columns
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void ConvolutionMatchesTheScalarReferenceExactly(int cin, int cout, int h, int w, int k, int stride)
    {
        var random = new Random(cin * 1000 + cout * 10 + k);
        FeatureMap x = RandomMap(random, cin, h, w);
        float[] weight = RandomArray(random, cout * cin * k * k, 0.3f), bias = RandomArray(random, cout, 0.1f);
        var layer = new Conv2dLayer(cin, cout, k, stride, weight, bias);
        FeatureMap expected = ScalarReference.Conv(x, cout, k, stride, weight, bias);
        AssertForEveryEngineSetting(expected, p => layer.Forward(x, LayerTests.Context(p)));
    }

    [Fact]
    public void TheLastFewColumnsOfARowGoToTheKernelOfAFewColumns()
    {
        bool wide = DirectConvolution.UseWideVectors;
        try
        {
            // 512-bit: whatever whole 16-column vectors leave, up to 4 (a Winograd block's 2 tiles at a stripe's end).
            DirectConvolution.UseWideVectors = true;
            Assert.Equal([2, 2, 3, 0, 3, 4, 0], new[] { 2, 34, 35, 29, 147, 20, 32 }.Select(w => DirectConvolution.FewColumns(w, 96)));
            Assert.Equal(0, DirectConvolution.FewColumns(2, 31)); // fewer than four blocks of channels: the row kernels

            // 256-bit: whatever whole 24-column blocks leave, up to 8.
            DirectConvolution.UseWideVectors = false;
            Assert.Equal([2, 5, 3, 0, 8, 0], new[] { 2, 29, 27, 34, 32, 48 }.Select(w => DirectConvolution.FewColumns(w, 36)));
        }
        finally
        {
            DirectConvolution.UseWideVectors = wide;
        }
    }

    public static TheoryData<int, int, int, int, int> DeconvCases => new()
    {
        { 3, 5, 7, 9, 5 }, { 9, 4, 6, 5, 5 }, { 3, 10, 1, 1, 5 }, { 5, 3, 8, 8, 3 }, { 16, 3, 5, 19, 5 }, { 50, 20, 7, 7, 5 }, { 7, 6, 3, 26, 5 },
        { 6, 3, 3, 140, 5 }, // 140 columns a phase: three column chunks of 64 when items are cut small
        { 4, 9, 3, 16, 5 }, // phases of 16 columns, written every other output column: the tails alone
        { 4, 9, 3, 40, 5 }, // phases of 40 columns: a block and a tail at both vector widths
        { 4, 32, 3, 2, 5 }, // phases of 2 columns written every other output column: few columns only
        { 5, 40, 3, 27, 5 }, // phases of 27 columns, 256-bit: a block of 24 and 3 few
    };

    [Theory]
    [MemberData(nameof(DeconvCases))]
    public void TransposedConvolutionMatchesTheScalarReferenceExactly(int cin, int cout, int h, int w, int k)
    {
        var random = new Random(cin * 1000 + cout * 10 + k + 1);
        FeatureMap x = RandomMap(random, cin, h, w);
        float[] weight = RandomArray(random, cin * cout * k * k, 0.3f), bias = RandomArray(random, cout, 0.1f);
        var layer = new ConvTranspose2dLayer(cin, cout, k, weight, bias);
        FeatureMap expected = ScalarReference.ConvTranspose(x, cout, k, weight, bias);
        AssertForEveryEngineSetting(expected, p => layer.Forward(x, LayerTests.Context(p)));
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void FusedConvolutionMatchesTheFusedScalarLoopExactly(int cin, int cout, int h, int w, int k, int stride)
    {
        var random = new Random(cin * 1000 + cout * 10 + k);
        FeatureMap x = RandomMap(random, cin, h, w);
        float[] weight = RandomArray(random, cout * cin * k * k, 0.3f), bias = RandomArray(random, cout, 0.1f);
        var layer = new Conv2dLayer(cin, cout, k, stride, weight, bias, ManagedArithmetic.Fused);
        FeatureMap expected = ScalarReference.Conv(x, cout, k, stride, weight, bias, fused: true);
        AssertForEveryEngineSetting(expected, p => layer.Forward(x, LayerTests.Context(p)));
    }

    [Theory]
    [MemberData(nameof(DeconvCases))]
    public void FusedTransposedConvolutionMatchesTheFusedScalarLoopExactly(int cin, int cout, int h, int w, int k)
    {
        var random = new Random(cin * 1000 + cout * 10 + k + 1);
        FeatureMap x = RandomMap(random, cin, h, w);
        float[] weight = RandomArray(random, cin * cout * k * k, 0.3f), bias = RandomArray(random, cout, 0.1f);
        var layer = new ConvTranspose2dLayer(cin, cout, k, weight, bias, ManagedArithmetic.Fused);
        FeatureMap expected = ScalarReference.ConvTranspose(x, cout, k, weight, bias, fused: true);
        AssertForEveryEngineSetting(expected, p => layer.Forward(x, LayerTests.Context(p)));

        // The two arithmetics really differ (else this test would not tell them apart), and only by rounding.
        FeatureMap separate = ScalarReference.ConvTranspose(x, cout, k, weight, bias);
        Assert.Contains(Enumerable.Range(0, expected.Data.Length), i => expected.Data[i] != separate.Data[i]);
        Assert.All(Enumerable.Range(0, expected.Data.Length), i => Assert.True(Math.Abs(expected.Data[i] - separate.Data[i]) <= 1e-5f * (1 + Math.Abs(separate.Data[i]))));
    }

    /// <summary>
    /// GDN shapes: channels (a multiple of the 8-channel block or not, 4 or fewer taking the narrow 512-bit kernel),
    /// rows and columns (within one tile of <see cref="GdnLayer.TileColumns"/> or across several with a partial last one;
    /// 12 × 150 makes more than one work item, so the threads share the tiles). The tile is 72 columns with 256-bit
    /// vectors and 64 with 512-bit ones: 140 columns end in a partial tile of 68 (three 24-column blocks, the last over
    /// zeros) or in a full one and 12; 100 in one of 28 or of 36 (a 32-column block and a tail).
    /// </summary>
    public static TheoryData<bool, int, int, int> GdnCases => new()
    {
        { false, 19, 5, 23 }, { true, 19, 5, 23 }, { false, 37, 12, 150 }, { true, 37, 3, 150 }, { true, 4, 4, 129 }, { false, 16, 2, 64 },
        { false, 16, 3, 140 }, { true, 12, 2, 100 },
    };

    [Theory]
    [MemberData(nameof(GdnCases))]
    public void FusedGdnMatchesTheFusedScalarLoopExactly(bool inverse, int c, int h, int w)
    {
        var random = new Random(inverse ? 5 : 6);
        FeatureMap x = RandomMap(random, c, h, w);
        float[] beta = [.. RandomArray(random, c, 1).Select(v => Math.Abs(v) + 0.1f)];
        float[] gamma = [.. RandomArray(random, c * c, 0.2f).Select(Math.Abs)];
        var layer = new GdnLayer(c, beta, gamma, inverse, ManagedArithmetic.Fused);
        FeatureMap expected = ScalarReference.Gdn(x, beta, gamma, inverse, fused: true);
        AssertForEveryEngineSetting(expected, p => layer.Forward(new FeatureMap(c, x.Height, x.Width, (float[])x.Data.Clone()), LayerTests.Context(p)));
    }

    [Theory]
    [MemberData(nameof(GdnCases))]
    public void GdnMatchesTheScalarReferenceExactly(bool inverse, int c, int h, int w)
    {
        var random = new Random(inverse ? 5 : 6);
        FeatureMap x = RandomMap(random, c, h, w);
        float[] beta = [.. RandomArray(random, c, 1).Select(v => Math.Abs(v) + 0.1f)];
        float[] gamma = [.. RandomArray(random, c * c, 0.2f).Select(Math.Abs)];
        var layer = new GdnLayer(c, beta, gamma, inverse);
        FeatureMap expected = ScalarReference.Gdn(x, beta, gamma, inverse);

        // GDN overwrites its input, so each run gets a fresh copy.
        Assert.True(layer.WritesInPlace);
        AssertForEveryEngineSetting(expected, p => layer.Forward(new FeatureMap(c, x.Height, x.Width, (float[])x.Data.Clone()), LayerTests.Context(p)));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.01f)]
    [InlineData(0.2f)]
    public void ActivationsMatchTheScalarReference(float slope)
    {
        var random = new Random(3);
        FeatureMap x = RandomMap(random, 3, 7, 11);
        x.Data[0] = -0f;
        x.Data[1] = 0f;
        float[] expected = [.. x.Data.Select(v => ScalarReference.Activation(v, slope))];
        FeatureMap y = new ActivationLayer(slope).Forward(x, LayerTests.Context(1));
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Data.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>
    /// A convolution's columns from an output column on (as a stripe of the analysis stream computes only the columns the
    /// next layer reads, from the input columns those reach, <see cref="Conv2dLayer.InputColumns"/>): the whole layer's
    /// columns bit for bit, at stride 1 and 2 and in the Winograd arithmetic (whose columns start on the tile grid); columns
    /// past the layer's are refused.
    /// </summary>
    [Theory]
    [InlineData(3, 1, ManagedArithmetic.Fused, 7, 20)]
    [InlineData(5, 2, ManagedArithmetic.Reference, 5, 13)]
    [InlineData(5, 2, ManagedArithmetic.Winograd, 8, 21)]
    [InlineData(5, 2, ManagedArithmetic.Winograd, 0, 36)]
    public void ConvolutionColumnsFromAnOutputColumnMatchTheWholeLayer(int k, int stride, ManagedArithmetic arithmetic, int first, int end)
    {
        var random = new Random(17);
        int cin = 16, cout = 10, h = 9, w = 71;
        FeatureMap x = RandomMap(random, cin, h, w);
        var layer = new Conv2dLayer(cin, cout, k, stride, RandomArray(random, cin * cout * k * k, 0.1f), RandomArray(random, cout, 0.1f), arithmetic);
        Assert.Equal(arithmetic == ManagedArithmetic.Winograd, layer.IsWinograd);
        FeatureMap whole = layer.Forward(x, Context(1));
        (int from, int to) = layer.InputColumns(first, end, w);
        Assert.Equal(0, from % stride);
        var window = new FeatureMap(cin, h, to - from);
        for (int c = 0; c < cin; c++)
        {
            for (int y = 0; y < h; y++)
            {
                x.Row(c, y).Slice(from, to - from).CopyTo(window.Row(c, y));
            }
        }

        var part = new FeatureMap(cout, whole.Height, end - first);
        layer.ForwardRows(window.Data, window.PlaneSize, 0, h, h, window.Width, 0, whole.Height, part, 0, Context(2), first - (from / stride));
        for (int c = 0; c < cout; c++)
        {
            for (int y = 0; y < whole.Height; y++)
            {
                Assert.Equal(whole.Row(c, y).Slice(first, end - first).ToArray().Select(BitConverter.SingleToInt32Bits), part.Row(c, y).ToArray().Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Throws<ArgumentException>(() => layer.ForwardRows(window.Data, window.PlaneSize, 0, h, h, window.Width, 0, whole.Height, new FeatureMap(cout, whole.Height, end - first + 1), 0, Context(1), layer.OutputSize(window.Width) - (end - first)));
    }

    /// <summary>
    /// A transposed convolution's rows written from a row of a taller map (as a line-buffered stream writes them into the
    /// next layer's row store): the same bits as the whole layer's rows, the map's other rows untouched; an output with
    /// no room for them is refused.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 4)]
    [InlineData(0, 7, 0)]
    public void TransposedConvolutionRowsWrittenFromAMapRowMatchTheWholeLayer(int first, int count, int outputRow)
    {
        var random = new Random(13);
        int cin = 5, cout = 9, h = 8, w = 11;
        FeatureMap x = RandomMap(random, cin, h, w);
        var layer = new ConvTranspose2dLayer(cin, cout, 5, RandomArray(random, cin * cout * 25, 0.2f), RandomArray(random, cout, 0.1f), ManagedArithmetic.Fused);
        FeatureMap whole = layer.Forward(x, Context(1));
        var target = new FeatureMap(cout, outputRow + (2 * count) + 3, 2 * w);
        target.Data.AsSpan().Fill(7f);
        layer.ForwardRows(x.Data, x.PlaneSize, w, 0, 0, h, h, w, first, count, target, outputRow, Context(2));
        for (int c = 0; c < cout; c++)
        {
            for (int y = 0; y < target.Height; y++)
            {
                int source = y - outputRow + (2 * first);
                float[] expected = y >= outputRow && y < outputRow + (2 * count) ? whole.Row(c, source).ToArray() : Enumerable.Repeat(7f, 2 * w).ToArray();
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), target.Row(c, y).ToArray().Select(BitConverter.SingleToInt32Bits));
            }
        }

        Assert.Throws<ArgumentException>(() => layer.ForwardRows(x.Data, x.PlaneSize, w, 0, 0, h, h, w, first, count, new FeatureMap(cout, outputRow + (2 * count) - 1, 2 * w), outputRow, Context(1)));
    }

    /// <summary>
    /// A point-wise layer on a row range (as a line-buffered stream runs it on the rows a convolution has just written
    /// into a row store): those rows become the whole-map result's, bit for bit, and the rows around them are untouched.
    /// 15 rows of 150 columns are 45 GDN tiles, more than one work item, so two threads share them from a row offset.
    /// </summary>
    [Theory]
    [InlineData(false, 19, 9, 150, 2, 5)]
    [InlineData(true, 37, 7, 23, 0, 1)]
    [InlineData(false, 16, 6, 140, 5, 1)]
    [InlineData(false, 16, 6, 140, 3, 0)]
    [InlineData(false, 16, 20, 150, 3, 15)]
    public void PointwiseLayersOnARowRangeMatchTheirWholeMapResultThereAndTouchNothingElse(bool inverse, int c, int h, int w, int firstRow, int rows)
    {
        var random = new Random(11);
        FeatureMap x = RandomMap(random, c, h, w);
        float[] beta = [.. RandomArray(random, c, 1).Select(v => Math.Abs(v) + 0.1f)];
        float[] gamma = [.. RandomArray(random, c * c, 0.2f).Select(Math.Abs)];
        IPointwiseLayer[] layers = [new GdnLayer(c, beta, gamma, inverse, ManagedArithmetic.Fused), new GdnLayer(c, beta, gamma, inverse), ActivationLayer.Relu, new ActivationLayer(0.2f)];
        foreach (IPointwiseLayer layer in layers)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                FeatureMap whole = layer.Forward(new FeatureMap(c, h, w, (float[])x.Data.Clone()), Context(threads));
                var part = new FeatureMap(c, h, w, (float[])x.Data.Clone());
                layer.ForwardRows(part, firstRow, rows, Context(threads));
                for (int channel = 0; channel < c; channel++)
                {
                    for (int y = 0; y < h; y++)
                    {
                        FeatureMap source = y >= firstRow && y < firstRow + rows ? whole : x;
                        Assert.Equal(source.Row(channel, y).ToArray().Select(BitConverter.SingleToInt32Bits), part.Row(channel, y).ToArray().Select(BitConverter.SingleToInt32Bits));
                    }
                }
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => layer.ForwardRows(new FeatureMap(c, h, w), h - 1, 2, Context(1)));
        }
    }

    [Fact]
    public void SequentialLayersNeverOverwriteTheCallersInput()
    {
        FeatureMap x = RandomMap(new Random(9), 2, 3, 4);
        float[] before = (float[])x.Data.Clone();
        FeatureMap y = new SequentialLayers([ActivationLayer.Relu, new ActivationLayer(0.5f)]).Forward(x, LayerTests.Context(1));
        Assert.Equal(before, x.Data);
        Assert.NotSame(x.Data, y.Data);
    }

    [Fact]
    public void LinearAccumulatesInInputOrder()
    {
        var random = new Random(4);
        float[] weight = RandomArray(random, 7 * 30, 1), bias = RandomArray(random, 7, 1);
        FeatureMap x = RandomMap(random, 30, 1, 1);
        FeatureMap y = new LinearLayer(30, 7, weight, bias).Forward(x, LayerTests.Context(1));
        for (int o = 0; o < 7; o++)
        {
            float acc = 0;
            for (int i = 0; i < 30; i++)
            {
                acc += weight[o * 30 + i] * x.Data[i];
            }

            Assert.Equal(acc + bias[o], y.Data[o]);
        }
    }

    /// <summary>Runs the layer with 1, 2 and 5 threads, with 256- and 512-bit vectors, and demands the reference bits each time.</summary>
    internal static void AssertForEveryEngineSetting(FeatureMap expected, Func<int, FeatureMap> run)
    {
        bool wide = DirectConvolution.UseWideVectors;
        long itemBytes = DirectConvolution.ItemBytes;
        try
        {
            // The shipped work-item budget, and one so small that every item is one row of one column chunk.
            foreach (long budget in new[] { itemBytes, 1 })
            {
                DirectConvolution.ItemBytes = budget;
                foreach (bool useWide in new[] { false, true })
                {
                    DirectConvolution.UseWideVectors = useWide;
                    foreach (int threads in new[] { 1, 2, 5 })
                    {
                        FeatureMap actual = run(threads);
                        Assert.Equal((expected.Channels, expected.Height, expected.Width), (actual.Channels, actual.Height, actual.Width));
                        int mismatch = Enumerable.Range(0, expected.Data.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(expected.Data[i]) != BitConverter.SingleToInt32Bits(actual.Data[i]), -1);
                        Assert.True(mismatch < 0, $"element {mismatch} differs (budget={budget}, wide={useWide}, threads={threads}): {(mismatch < 0 ? 0 : expected.Data[mismatch])} vs {(mismatch < 0 ? 0 : actual.Data[mismatch])}");
                    }
                }
            }
        }
        finally
        {
            DirectConvolution.UseWideVectors = wide;
            DirectConvolution.ItemBytes = itemBytes;
        }
    }
}
