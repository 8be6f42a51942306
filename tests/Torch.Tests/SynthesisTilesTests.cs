using Nic.Codec.Models;
using Nic.Torch.Inference;
using Nic.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>
/// The latent search's distortion in tiles (<see cref="SynthesisTiles"/>): the same squared error and gradient as g_s
/// over the whole frame, and the tiling it uses.
/// </summary>
public sealed class SynthesisTilesTests
{
    /// <summary>
    /// A small random mean-scale model, a latent cut into 4 tiles across (100 latents) with one row more than the image
    /// needs (as the encoder's alignment padding gives): the tiles' summed squared error and its gradient equal
    /// whole-frame synthesis (clamped, cropped to 1590 × 80) up to float rounding. With a halo of 1 instead of the
    /// geometry's 2 the gradient is off by 18 % of its norm (2 × 10⁻⁴ with the halo).
    /// </summary>
    [Fact]
    public void TheTilesGiveTheWholeFramesErrorAndGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        (NicModelFile file, ImageCompressionModel model) = FrozenRandomModel(seed: 5);
        using ImageCompressionModel owned = model;

        const int Width = 2100, Height = 80;
        Tensor latent = randn(1, 12, 6, 132).Times(3);
        Tensor target = rand(1, 3, Height, Width);
        Assert.Equal(3, SynthesisTiles.Spans(132).Count());

        var tiles = new SynthesisTiles(model, file.Architecture.Geometry!, target);
        (double tiled, Tensor? tiledGradient) = tiles.Evaluate(latent, withGradient: true);

        Tensor whole = latent.detach().clone();
        whole.requires_grad = true;
        Tensor error = model.Synthesize(whole).narrow(2, 0, Height).narrow(3, 0, Width).ClampedTo(0, 1).sub(target).Squared().sum();
        error.backward();
        double expected = error.ToDoubleValue();
        Tensor expectedGradient = whole.grad!;

        Assert.Equal(3L * Width * Height, tiles.Samples);
        Assert.True(Math.Abs(tiled - expected) <= 1e-5 * expected, $"tiles {tiled}, whole frame {expected}");
        // Relative to the gradient's norm, not element by element: a pixel whose value lies within rounding of a clamp
        // bound may be clamped in one computation and not in the other, which moves that pixel's few gradient entries.
        double norm = expectedGradient.norm().ToDoubleValue();
        double difference = tiledGradient!.sub(expectedGradient).norm().ToDoubleValue();
        Assert.True(norm > 1, $"the gradient's norm is {norm}");
        Assert.True(difference <= 1e-3 * norm, $"the tiles' gradient differs by {difference} (norm {norm})");

        using (no_grad())
        {
            (double forwardOnly, Tensor? none) = tiles.Evaluate(latent, withGradient: false);
            Assert.Null(none);
            Assert.Equal(tiled, forwardOnly, 6);
        }
    }

    /// <summary>
    /// The probe's curvature (<see cref="SynthesisTiles.ProbedCurvature"/>) against 2·diag(JᵀJ) by central differences of
    /// g_s over the same crop (16 × 16 latents at the centre of 24 × 24) at the latents 2 from its cut edges: the mean of
    /// 8 probes within 20 % of it in each channel tried. Half the factor 2, or the whole crop's positions instead of its
    /// interior, miss it; a latent no larger than the crop is probed whole.
    /// </summary>
    [Fact]
    public void TheProbedCurvatureIsTwiceTheDiagonalOfJTransposeJ()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        (NicModelFile file, ImageCompressionModel model) = FrozenRandomModel(seed: 6);
        using ImageCompressionModel owned = model;

        Tensor latent = randn(1, 12, 24, 24).Times(3);
        var tiles = new SynthesisTiles(model, file.Architecture.Geometry!, rand(1, 3, 384, 384));
        Tensor probed = zeros(1, 12, 1, 1);
        for (int seed = 0; seed < 8; seed++)
        {
            using var noise = new Generator((ulong)(100 + seed));
            probed = probed.Plus(tiles.ProbedCurvature(latent, noise).Times(1.0 / 8));
        }

        Assert.Equal(8, tiles.ProbePasses);
        Assert.Equal(0, tiles.GradientPasses + tiles.ForwardPasses);
        const double Step = 0.01;
        Tensor crop = latent.narrow(2, 4, SynthesisTiles.ProbeSide).narrow(3, 4, SynthesisTiles.ProbeSide);
        using (no_grad())
        {
            foreach (int channel in new[] { 0, 5, 11 })
            {
                double sum = 0;
                int positions = 0;
                for (int row = 2; row < SynthesisTiles.ProbeSide - 2; row++)
                {
                    using var rowScope = NewDisposeScope();
                    int columns = SynthesisTiles.ProbeSide - 4;
                    Tensor batch = crop.repeat(columns, 1, 1, 1);
                    Tensor steps = zeros_like(batch);
                    for (int k = 0; k < columns; k++)
                    {
                        steps[k, channel, row, k + 2] = Step;
                    }

                    Tensor slope = model.Synthesize(batch.Plus(steps)).sub(model.Synthesize(batch.sub(steps))).Times(1 / (2 * Step));
                    sum += slope.Squared().sum().ToDoubleValue();
                    positions += columns;
                }

                double expected = 2 * sum / positions;
                double found = probed[0, channel, 0, 0].ToDoubleValue();
                Assert.True(expected > 0 && Math.Abs(found - expected) <= 0.2 * expected, $"channel {channel}: probed {found}, 2·diag(JᵀJ) {expected}");
            }
        }

        // A latent no larger than the crop: probed whole.
        using var small = new Generator(7);
        Tensor whole = tiles.ProbedCurvature(randn(1, 12, 5, 7), small);
        Assert.Equal([1L, 12, 1, 1], whole.shape);
        Assert.True(whole.min().ToDoubleValue() > 0);
    }

    /// <summary>
    /// g_s in bfloat16 (the search's where libtorch runs bfloat16 convolutions in hardware): the shipped default model's
    /// g_s converted (<c>to(BFloat16)</c>, GDN's parameters included; the other networks stay float32), on g_a's rounded latent of a 144 × 96 crop of the
    /// sample against the crop, the latent in and the error and gradient out in float32, within bfloat16's rounding of
    /// float32's: the error within 1 %, the gradient within 15 % of its norm (measured: 0.07 % and 7.0 % in AVX512_BF16,
    /// 0.30 % and 8.6 % with oneDNN capped at AVX2). A model in float32 reports float32.
    /// </summary>
    [Fact]
    public void GsInBFloat16GivesTheFloat32ErrorAndGradientWithinItsRounding()
    {
        using var scope = NewDisposeScope();
        NicModelFile file = new Nic.Codec.Catalog.NicModelCatalog().Find("nic-mbt2018-mean-cc", 3).File;
        using ImageCompressionModel model = FrozenModel(file), half = FrozenModel(file);
        half.ConvertSynthesis(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, half.SynthesisPrecision);
        Assert.Equal(ScalarType.Float32, half.EntropyBottleneck.Quantiles.dtype);

        const int Width = 144, Height = 96;
        StbImageSharp.ImageResult png = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "seeding.png")), StbImageSharp.ColorComponents.RedGreenBlue);
        var samples = new float[3 * Width * Height];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    samples[(((c * Height) + y) * Width) + x] = png.Data[((((100 + y) * png.Width) + 200 + x) * 3) + c] / 255f;
                }
            }
        }

        Tensor target = tensor(samples, [1, 3, Height, Width]);
        Tensor latent;
        using (no_grad())
        {
            latent = model.Analyze(target).round();
        }

        var single = new SynthesisTiles(model, file.Architecture.Geometry!, target);
        var tiles = new SynthesisTiles(half, file.Architecture.Geometry!, target);
        Assert.Equal(ScalarType.Float32, single.Precision);
        Assert.Equal(ScalarType.BFloat16, tiles.Precision);

        (double expected, Tensor? expectedGradient) = single.Evaluate(latent, withGradient: true);
        (double found, Tensor? gradient) = tiles.Evaluate(latent, withGradient: true);
        Assert.Equal(ScalarType.Float32, gradient!.dtype);
        double norm = expectedGradient!.norm().ToDoubleValue();
        double difference = gradient.sub(expectedGradient).norm().ToDoubleValue();
        Assert.True(Math.Abs(found - expected) <= 0.01 * expected, $"bfloat16 {found}, float32 {expected}");
        Assert.True(norm > 0.1 && difference <= 0.15 * norm, $"the bfloat16 gradient differs by {difference} (norm {norm})");
        Assert.True(difference > 0, "the bfloat16 pass ran in float32");

        using var noise = new Generator(3);
        Tensor curvature = tiles.ProbedCurvature(latent, noise);
        Assert.Equal(ScalarType.Float32, curvature.dtype);
        Assert.True(curvature.min().ToDoubleValue() > 0);
    }

    /// <summary><paramref name="file"/>'s model in evaluation mode, its parameters frozen.</summary>
    private static ImageCompressionModel FrozenModel(NicModelFile file)
    {
        ImageCompressionModel model = ImageModels.FromModelFile(file);
        model.eval();
        foreach (TorchSharp.Modules.Parameter parameter in model.parameters())
        {
            parameter.requires_grad = false;
        }

        return model;
    }

    /// <summary>A small random mean-scale model (N = 8, M = 12) in evaluation mode, its parameters frozen.</summary>
    private static (NicModelFile File, ImageCompressionModel Model) FrozenRandomModel(int seed)
    {
        NicModelFile file = NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: seed));
        return (file, FrozenModel(file));
    }

    /// <summary>Sides of up to 64 latents are not cut; longer ones are cut into near-equal tiles of at most 64 that cover the side once.</summary>
    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(64, new[] { 64 })]
    [InlineData(65, new[] { 33, 32 })]
    [InlineData(128, new[] { 64, 64 })]
    [InlineData(129, new[] { 43, 43, 43 })]
    [InlineData(208, new[] { 52, 52, 52, 52 })]
    [InlineData(255, new[] { 64, 64, 64, 63 })]
    public void SidesAreCutIntoTilesOfAtMost64(int length, int[] expected)
    {
        (int Start, int Length)[] spans = SynthesisTiles.Spans(length).ToArray();
        Assert.Equal(expected, spans.Select(s => s.Length));
        Assert.Equal(0, spans[0].Start);
        for (int i = 1; i < spans.Length; i++)
        {
            Assert.Equal(spans[i - 1].Start + spans[i - 1].Length, spans[i].Start);
        }
    }
}
