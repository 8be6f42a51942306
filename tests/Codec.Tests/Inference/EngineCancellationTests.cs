using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// The managed engine observes a cancellation token inside its networks (before each work item of the convolution
/// kernel, each channel of a padded copy, each row block of GDN); a live token changes no bit of a result.
/// </summary>
public sealed class EngineCancellationTests
{
    private static readonly Lazy<NicModelFile> Model = new(() => ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 16, 24, seed: 8));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryNetworkStopsOnACancelledToken(int parallelism)
    {
        ManagedModel model = ManagedModel.Create(Model.Value, parallelism);
        FeatureMap image = LayerTests.RandomMap(new Random(1), 3, 64, 64);
        FeatureMap y = model.Analyze(image);
        FeatureMap z = model.HyperAnalyze(y);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => model.Analyze(image, cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => model.HyperAnalyze(y, cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => model.HyperSynthesize(z, cancelled.Token));
        var destination = new FeatureMap(3, 32, 64);
        Assert.ThrowsAny<OperationCanceledException>(() => model.SynthesizeRows(y, 1, 2, destination, cancelled.Token));
        IInferenceBackend backend = model;
        Assert.ThrowsAny<OperationCanceledException>(() => backend.SynthesizeRows(y, 1, 2, destination, cancelled.Token));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TheConvolutionKernelStopsOnACancelledToken(int parallelism)
    {
        var layer = new Conv2dLayer(4, 8, 3, 1, new float[8 * 4 * 9], new float[8]);
        FeatureMap input = LayerTests.RandomMap(new Random(2), 4, 40, 40);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => layer.Forward(input, LayerTests.Context(parallelism) with { CancellationToken = cancelled.Token }));
    }

    [Fact]
    public void ALiveTokenChangesNoBit()
    {
        ManagedModel model = ManagedModel.Create(Model.Value, 2);
        FeatureMap y = model.Analyze(LayerTests.RandomMap(new Random(3), 3, 128, 64));
        using var live = new CancellationTokenSource();
        var with = new FeatureMap(3, 48, 64);
        var without = new FeatureMap(3, 48, 64);

        model.SynthesizeRows(y, 2, 3, with, live.Token);
        model.SynthesizeRows(y, 2, 3, without);

        Assert.Equal(without.Data, with.Data);
        Assert.Equal(model.Analyze(LayerTests.RandomMap(new Random(4), 3, 64, 64)).Data, model.Analyze(LayerTests.RandomMap(new Random(4), 3, 64, 64), live.Token).Data);
    }
}
