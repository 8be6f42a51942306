using Nic.Codec.Entropy;
using Nic.Torch.EntropyModels;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class EntropyBottleneckTests
{
    [Fact]
    public void StateDictKeysAndShapesAreCompressAIs()
    {
        using var scope = NewDisposeScope();
        var bottleneck = new EntropyBottleneck(5);
        Dictionary<string, Tensor> state = bottleneck.state_dict();
        var expected = new List<string> { "quantiles", "target", "_quantized_cdf", "_offset", "_cdf_length" };
        for (int k = 0; k < 5; k++)
        {
            expected.Add($"_matrix{k}");
            expected.Add($"_bias{k}");
            if (k < 4)
            {
                expected.Add($"_factor{k}");
            }
        }

        Assert.Equal(expected.Order(), state.Keys.Order());
        Assert.Equal([5L, 3, 1], state["_matrix0"].shape);
        Assert.Equal([5L, 3, 3], state["_matrix2"].shape);
        Assert.Equal([5L, 1, 3], state["_matrix4"].shape);
        Assert.Equal([5L, 1, 1], state["_bias4"].shape);
        Assert.Equal([5L, 1, 3], state["quantiles"].shape);
        Assert.Equal([-10f, 0f, 10f], state["quantiles"][0, 0].data<float>().ToArray());
        float init = (float)Math.Log(Math.Exp(1 / Math.Pow(10, 0.2) / 3) - 1);
        Assert.Equal(init, state["_matrix1"][2, 1, 0].item<float>(), 6);
    }

    [Fact]
    public void TrainingAddsUniformNoiseAndEvaluationRoundsAroundTheMedians()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        var bottleneck = new EntropyBottleneck(2);
        using (no_grad())
        {
            bottleneck.Quantiles[1, 0, 1] = tensor(0.3f);
        }

        Tensor input = randn(3, 2, 4, 4).Times(3);
        bottleneck.train();
        (Tensor noisy, Tensor likelihoods) = bottleneck.forward(input);
        Tensor difference = noisy.sub(input);
        Assert.True(difference.abs().max().item<float>() <= 0.5f);
        Assert.True(difference.abs().mean().item<float>() > 0.1f);
        Assert.True(likelihoods.min().item<float>() >= 1e-9f && likelihoods.max().item<float>() <= 1f);

        bottleneck.eval();
        (Tensor rounded, _) = bottleneck.forward(input);
        Tensor medians = tensor(new float[] { 0f, 0.3f }).reshape(1, 2, 1, 1);
        Assert.Equal(input.sub(medians).round().Plus(medians).data<float>().ToArray(), rounded.data<float>().ToArray());
    }

    [Fact]
    public void TrainedBottleneckIntegratesToOneCodesExactlyAndAtItsEstimatedRate()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        const int channels = 3;
        var bottleneck = new EntropyBottleneck(channels);
        Tensor spread = tensor(new float[] { 0.7f, 2f, 5f }).reshape(1, channels, 1, 1);
        Tensor shift = tensor(new float[] { 0f, 1.5f, -3f }).reshape(1, channels, 1, 1);
        var parameters = bottleneck.named_parameters().Where(p => p.name != "quantiles").Select(p => p.parameter).ToList();
        var main = new Nic.Torch.Training.Adam(parameters, 1e-2);
        var auxiliary = new Nic.Torch.Training.Adam([bottleneck.Quantiles], 1e-1);
        bottleneck.train();
        float firstAux = bottleneck.AuxiliaryLoss().item<float>(), lastAux = firstAux;
        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            Tensor sample = randn(4, channels, 16, 16).mul(spread).Plus(shift);
            main.zero_grad();
            (_, Tensor likelihoods) = bottleneck.forward(sample);
            likelihoods.log().sum().neg().DividedBy(sample.numel()).backward();
            main.step();
            auxiliary.zero_grad();
            Tensor aux = bottleneck.AuxiliaryLoss();
            aux.backward();
            auxiliary.step();
            lastAux = aux.item<float>();
        }

        Assert.True(lastAux < firstAux / 4, $"auxiliary loss {firstAux} → {lastAux}");
        float[] medians = bottleneck.Medians();
        Assert.InRange(medians[1], 1.0f, 2.0f);
        Assert.InRange(medians[2], -4f, -2f);

        // Unit bins over a wide range telescope to (almost) all of the mass.
        using (no_grad())
        {
            Tensor grid = TensorArithmetic.Arange(-60, 60, ScalarType.Float32).repeat(channels, 1, 1);
            float[] totals = bottleneck.Likelihood(grid, stopGradient: true).sum(2).flatten().data<float>().ToArray();
            Assert.All(totals, total => Assert.InRange(total, 0.999f, 1.001f));
        }

        QuantizedCdfTables tables = bottleneck.Update();
        Assert.Equal(channels, tables.Count);
        for (int c = 0; c < channels; c++)
        {
            QuantizedCdf.Validate(tables.GetCdf(c));
            Assert.Equal(tables.GetCdf(c).Length, bottleneck.CdfLength[c].item<int>());
            Assert.Equal(tables.GetOffset(c), bottleneck.Offset[c].item<int>());
        }

        Assert.Equal(ScalarType.Int32, bottleneck.QuantizedCdf.dtype);
        Assert.Equal(bottleneck.QuantizedCdf.shape[1], bottleneck.CdfLength.max().item<int>());

        bottleneck.eval();
        Tensor latent = randn(2, channels, 24, 24).mul(spread).Plus(shift);
        byte[][] strings = bottleneck.Compress(latent);
        Assert.Equal(2, strings.Length);
        Tensor decoded = bottleneck.Decompress(strings, (24, 24));
        (Tensor quantized, Tensor evalLikelihoods) = bottleneck.forward(latent);
        Assert.Equal(quantized.data<float>().ToArray(), decoded.data<float>().ToArray());

        double estimatedBits = evalLikelihoods.to_type(ScalarType.Float64).log2().sum().neg().item<double>();
        double actualBits = 8.0 * strings.Sum(s => s.Length);
        Assert.InRange(actualBits / estimatedBits, 0.98, 1.04);
    }

    [Fact]
    public void CompressNeedsTables()
    {
        using var scope = NewDisposeScope();
        var bottleneck = new EntropyBottleneck(2);
        Assert.Throws<InvalidOperationException>(() => bottleneck.Compress(zeros(1, 2, 2, 2)));
        Assert.Throws<ArgumentException>(() => bottleneck.forward(zeros(1, 3, 2, 2)));
    }
}
