using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// g_a streamed row by row (<see cref="AnalysisStream"/>, spec/nic-coding.md §11.2): bit-identical to the full frame
/// for both image architectures, every arithmetic (the Winograd one's tiles included), any chunk size and image sizes that are not multiples of anything,
/// asking its row source for every image row once, top to bottom.
/// </summary>
[Collection(nameof(VectorWidthCollection))]
public sealed class AnalysisStreamTests
{
    private static readonly Lazy<NicModelFile> Hyperprior = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 16, 24, seed: 31));
    private static readonly Lazy<NicModelFile> MeanScale = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 16, 24, seed: 32));

    public static TheoryData<ModelArchitectureKind, ManagedArithmetic, int, int, long, int> Cases()
    {
        var cases = new TheoryData<ModelArchitectureKind, ManagedArithmetic, int, int, long, int>();
        (int Height, int Width, long Chunk)[] sizes =
        [
            (1, 1, AnalysisStream.DefaultChunkBytes),
            (3, 5, 1),
            (16, 16, 1),
            (37, 21, 20_000),
            (64, 64, AnalysisStream.DefaultChunkBytes),
            (200, 48, 1),
            (320, 64, 50_000),
            (333, 70, AnalysisStream.DefaultChunkBytes),
        ];
        foreach (ModelArchitectureKind kind in new[] { ModelArchitectureKind.Bmshj2018Hyperprior, ModelArchitectureKind.Mbt2018Mean })
        {
            foreach (ManagedArithmetic arithmetic in new[] { ManagedArithmetic.Reference, ManagedArithmetic.Fused, ManagedArithmetic.Winograd })
            {
                foreach ((int height, int width, long chunk) in sizes)
                {
                    cases.Add(kind, arithmetic, height, width, chunk, 1);
                }

                // Vertical stripes (each computing the cone of its own columns): 2 of 32 and 33 latent columns, 3 of 33
                // to 34 (an image width that is not a multiple of 16), 4 asked of 44 latent columns (cut into 2 of 22), of
                // 25 (too narrow for more than 1), and 2 of the narrowest, 16 and 17.
                cases.Add(kind, arithmetic, 48, 1040, AnalysisStream.DefaultChunkBytes, 2);
                cases.Add(kind, arithmetic, 37, 1597, 20_000, 3);
                cases.Add(kind, arithmetic, 20, 700, 1, 4);
                cases.Add(kind, arithmetic, 20, 400, 1, 4);
                cases.Add(kind, arithmetic, 33, 528, 20_000, 2);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamedAnalysisEqualsTheFullFrameBitForBit(ModelArchitectureKind kind, ManagedArithmetic arithmetic, int height, int width, long chunkBytes, int stripes)
    {
        NicModelFile file = kind == ModelArchitectureKind.Bmshj2018Hyperprior ? Hyperprior.Value : MeanScale.Value;
        ManagedModel model = ManagedModel.Create(file, parallelism: 2, arithmetic);
        FeatureMap image = LayerTests.RandomMap(new Random(height * 1000 + width), 3, height, width);
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = MathF.Abs(image.Data[i]);
        }

        FeatureMap full = model.Analyze(image);
        var next = new Dictionary<(int, int), int>();
        FeatureMap streamed = model.AnalyzeRows(
            height,
            width,
            (first, column, window) =>
            {
                (int count, int columns) = (window.Height, window.Width);
                // Every stripe asks for every row once, in order, only rows and columns of the image (its window: the
                // columns its own output columns reach through every layer).
                lock (next)
                {
                    Assert.Equal(next.GetValueOrDefault((column, columns)), first);
                    next[(column, columns)] = first + count;
                }

                Assert.InRange(count, 1, height - first);
                Assert.InRange(columns, 1, width - column);
                Assert.Equal(3, window.Channels);
                for (int c = 0; c < 3; c++)
                {
                    for (int y = 0; y < count; y++)
                    {
                        image.Data.AsSpan((c * image.PlaneSize) + ((first + y) * width) + column, columns).CopyTo(window.Row(c, y));
                    }
                }
            },
            CancellationToken.None,
            chunkBytes,
            stripes)!;

        int latentWidth = (width + 15) / 16;
        Assert.Equal(Math.Min(stripes, Math.Max(1, latentWidth / ColumnStripes.MinColumns)), next.Count);
        Assert.All(next.Values, rows => Assert.Equal(height, rows));
        Assert.Equal((full.Channels, full.Height, full.Width), (streamed.Channels, streamed.Height, streamed.Width));
        Assert.Equal(full.Data.Select(BitConverter.SingleToInt32Bits), streamed.Data.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>
    /// Each stripe asks for the image columns its own latent columns reach through g_a, no more. 1040 pixels are 65 latent
    /// columns, owned 0…31 and 32…64. The left stripe's g_a.6 (5 × 5, stride 2) reads columns 0…64 of g_a.4's 130; g_a.4
    /// (Winograd) computes whole tiles, 0…67, which read 0…137 of g_a.2's 260; g_a.2 computes 0…139, which read 0…281 of
    /// g_a.0's 520; g_a.0 reads pixels 0…564. The right stripe's: g_a.4 62…129, widened to tiles 60…129; g_a.2 118…259, to
    /// 116…259; g_a.0 230…519; pixels 458…1039. A window of the owned columns and a halo of 3 (as the stream first
    /// computed) took 576 and 592 pixels.
    /// </summary>
    [Fact]
    public void EachStripeAsksForTheConeOfItsOwnColumns()
    {
        ManagedModel model = ManagedModel.Create(MeanScale.Value, parallelism: 2, ManagedArithmetic.Winograd);
        var windows = new HashSet<(int First, int Columns)>();
        model.AnalyzeRows(
            32,
            1040,
            (first, column, window) =>
            {
                lock (windows)
                {
                    windows.Add((column, window.Width));
                }

                window.Data.AsSpan(0, 3 * window.Height * window.Width).Fill(0.25f);
            },
            CancellationToken.None,
            stripes: 2);
        Assert.Equal([(0, 565), (458, 582)], windows.OrderBy(w => w.First));
    }

    [Fact]
    public void AStreamedAnalysisStopsWhenCancelledAndGivesBackTheRowBuffersItLends()
    {
        ManagedModel model = ManagedModel.Create(Hyperprior.Value, parallelism: 1);
        FeatureMap image = LayerTests.RandomMap(new Random(5), 3, 64, 64);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.AnalyzeRows(64, 64, (first, _, window) => image.SliceRows(first, window.Height).Data.CopyTo(window.Data, 0), cancelled.Token));

        // Chunks of the same height take the same buffer back from the pool: the image's rows are never all held.
        var buffers = new Dictionary<int, HashSet<float[]>>();
        int calls = 0;
        model.AnalyzeRows(
            256,
            64,
            (first, _, window) =>
            {
                calls++;
                if (!buffers.TryGetValue(window.Height, out HashSet<float[]>? same))
                {
                    buffers[window.Height] = same = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
                }

                same.Add(window.Data);
                window.Data.AsSpan(0, 3 * window.Height * 64).Fill(0.5f);
            },
            CancellationToken.None,
            chunkBytes: 1 << 12);
        Assert.InRange(calls, 2 * buffers.Count, int.MaxValue);
        Assert.All(buffers.Values, same => Assert.Single(same));
        Assert.Null(ManagedModel.Create(ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 5, seed: 5)).AnalyzeRows(28, 28, (_, _, _) => { }, CancellationToken.None));
    }
}
