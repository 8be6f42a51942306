using Nic.Codec.Imaging;
using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// <see cref="NicEncodeOptions.Effort"/> and the <see cref="ILatentOptimizer"/> seam (spec/nic-coding.md §11.2.1), without
/// libtorch: the checks, and what the codec does with the latents an optimizer returns.
/// </summary>
public sealed class EncoderEffortTests
{
    [Fact]
    public void EffortOneIsTheDefaultEncoder()
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(70, 50);
        Assert.Equal(codec.Encode(image), codec.Encode(image, new NicEncodeOptions { Effort = 1 }));
    }

    [Fact]
    public void AHigherEffortWithoutAnOptimizerIsRefusedAndSaysWhereOneIs()
    {
        NicCodecException e = Assert.Throws<NicCodecException>(() => PipelineFixtures.Codec().Encode(PipelineFixtures.Photo(30, 30), new NicEncodeOptions { Effort = 5 }));
        Assert.Equal(NicCodecError.LatentOptimizerMissing, e.Error);
        Assert.Contains("Nic.Torch", e.Message);
        Assert.Contains("LatentOptimizer", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void EffortsOutsideOneToNineAreRefused(int effort)
    {
        var codec = new NicCodec(PipelineFixtures.Catalog(), new NicCodecOptions { IncludeShippedModels = false, DefaultModel = "test-mean-q2", LatentOptimizer = new TowardsTheMean(0.3f) });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => codec.Encode(PipelineFixtures.Photo(30, 30), new NicEncodeOptions { Effort = effort }));
        Assert.Contains("Effort must be 1 … 9", e.Message);
    }

    /// <summary>
    /// The codec codes whatever latents the optimizer returns through the same entropy path: a file that a codec without
    /// an optimizer decodes, smaller here because the optimizer pulls y towards zero.
    /// </summary>
    [Theory]
    [InlineData("test-mean-q2")]
    [InlineData("test-hyperprior")]
    [InlineData("test-factorized")]
    public async Task TheOptimizersLatentsAreCodedAndDecodeWithAPlainCodec(string model)
    {
        var optimizer = new TowardsTheMean(0.6f);
        var codec = new NicCodec(PipelineFixtures.Catalog(), new NicCodecOptions { IncludeShippedModels = false, LatentOptimizer = optimizer });
        RgbImage image = PipelineFixtures.Photo(70, 50);

        byte[] plainFile = codec.Encode(image, new NicEncodeOptions { Model = model });
        byte[] effortFile = codec.Encode(image, new NicEncodeOptions { Model = model, Effort = 4 });

        Assert.Equal(1, optimizer.Calls);
        Assert.Equal(4, optimizer.LastEffort);
        Assert.True(effortFile.Length < plainFile.Length, $"{effortFile.Length} bytes, effort 1 {plainFile.Length}");
        RgbImage decoded = await PipelineFixtures.Codec(model: model).DecodeAsync(effortFile);
        Assert.Equal((70, 50), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void LatentsOfTheWrongShapeAreAnErrorOfTheOptimizer()
    {
        var codec = new NicCodec(PipelineFixtures.Catalog(), new NicCodecOptions { IncludeShippedModels = false, DefaultModel = "test-mean-q2", LatentOptimizer = new WrongShape() });
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => codec.Encode(PipelineFixtures.Photo(70, 50), new NicEncodeOptions { Effort = 2 }));
        Assert.Contains("wrong-shape", e.Message);
    }

    /// <summary>Scales y by 1 − <paramref name="pull"/> (z unchanged): fewer bits, more distortion.</summary>
    private sealed class TowardsTheMean(float pull) : ILatentOptimizer
    {
        public int Calls { get; private set; }

        public int LastEffort { get; private set; }

        public string Name => "towards-the-mean";

        public NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken)
        {
            Calls++;
            LastEffort = problem.Effort;
            Assert.Equal(3, problem.Image.Channels);
            Assert.True(problem.Image.Width >= problem.Width && problem.Image.Height >= problem.Height);
            float[] y = [.. problem.Y.Data.Select(v => v * (1 - pull))];
            return new NicLatents(new FeatureMap(problem.Y.Channels, problem.Y.Height, problem.Y.Width, y), problem.Z);
        }
    }

    private sealed class WrongShape : ILatentOptimizer
    {
        public string Name => "wrong-shape";

        public NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken) =>
            new(new FeatureMap(problem.Y.Channels, problem.Y.Height + 1, problem.Y.Width), problem.Z);
    }
}
