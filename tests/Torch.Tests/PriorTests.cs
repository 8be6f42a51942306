using Nic.Codec.Entropy;
using Nic.Torch.EntropyModels;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class PriorTests
{
    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void NoisyLogisticLikelihoodsAreLogisticBinMasses()
    {
        using var scope = NewDisposeScope();
        var prior = new NoisyLogistic(tensor(new float[] { 0f, 1f, 0f }), tensor(new float[] { 1f, 2f, 0.5f }));
        float[] values = prior.Likelihood(tensor(new float[] { 0f, 3f, 12f })).data<float>().ToArray();
        Assert.Equal(Logistic(0.5) - Logistic(-0.5), values[0], 6);
        Assert.Equal(Logistic(-1.5 / 2) - Logistic(-2.5 / 2), values[1], 6);
        // Far in the tail the difference is taken where it is exact: e^-23 − e^-25 relative to itself.
        double tail = Logistic(-23) - Logistic(-25);
        Assert.InRange(values[2] / tail, 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void NoisyNormalLikelihoodsArePhiDifferences()
    {
        using var scope = NewDisposeScope();
        var prior = new NoisyNormal(tensor(new float[] { 0f, -1f, 0f }), tensor(new float[] { 1f, 0.5f, 1f }));
        float[] values = prior.Likelihood(tensor(new float[] { 0f, 0f, -7f })).data<float>().ToArray();
        Assert.Equal(0.38292492254802624, values[0], 6); // Φ(½) − Φ(−½)
        Assert.Equal(StandardNormal.Cdf(-1) - StandardNormal.Cdf(-3), values[1], 6);
        double tail = StandardNormal.Cdf(-6.5) - StandardNormal.Cdf(-7.5);
        Assert.InRange(values[2] / tail, 1 - 1e-4, 1 + 1e-4);
    }

    [Fact]
    public void ContinuousBatchedModelCodesExactlyAtItsEstimatedRate()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        const int dims = 6;
        Tensor logScales = tensor(new float[] { -1f, 0f, 0.5f, 1f, 2f, 3f });
        var model = new ContinuousBatchedEntropyModel(new NoisyLogistic(zeros(dims), logScales.exp()), codingRank: 1);
        Tensor latent = randn(400, dims).mul(logScales.exp()).Times(1.7);

        (Tensor noisy, Tensor trainingBits) = model.Forward(latent, training: true);
        Assert.Equal([400L], trainingBits.shape);
        Assert.True(noisy.sub(latent).abs().max().item<float>() <= 0.5f);

        (Tensor quantized, Tensor bits) = model.Forward(latent, training: false);
        Assert.Equal(latent.round().data<float>().ToArray(), quantized.data<float>().ToArray());
        byte[][] strings = model.Compress(latent);
        Assert.Equal(400, strings.Length);
        Tensor decoded = model.Decompress(strings);
        Assert.Equal(quantized.data<float>().ToArray(), decoded.data<float>().ToArray());

        // Coding all 400 × 6 values as one block (coding rank 2) leaves only one stream's framing over the estimate.
        var whole = new ContinuousBatchedEntropyModel(model.Prior, codingRank: 2);
        (_, Tensor wholeBits) = whole.Forward(latent, training: false);
        Assert.Equal(0, wholeBits.dim());
        byte[] single = Assert.Single(whole.Compress(latent));
        Assert.InRange(8.0 * single.Length / wholeBits.item<float>(), 0.98, 1.03);
        Assert.Equal(quantized.data<float>().ToArray(), whole.Decompress([single], [400, dims]).data<float>().ToArray());

        QuantizedCdfTables tables = model.Tables();
        Assert.Equal(dims, tables.Count);
        int centre = (int)Math.Ceiling(Math.Exp(3) * Math.Log((2 / 1e-9) - 1));
        Assert.Equal(-centre, tables.GetOffset(5));
    }

    [Fact]
    public void GaussianConditionalLikelihoodsArePhiDifferencesWithBoundedScales()
    {
        using var scope = NewDisposeScope();
        var conditional = new GaussianConditional();
        Assert.Equal(0.11f, conditional.ScaleBound);
        Assert.Equal(64, conditional.Tables.Count);
        float[] values = conditional.Likelihood(
            tensor(new float[] { 0f, 2f, 1f }), tensor(new float[] { 1f, 3f, 0.01f }), tensor(new float[] { 0f, 0.5f, 0f })).data<float>().ToArray();
        Assert.Equal(StandardNormal.Cdf(0.5) - StandardNormal.Cdf(-0.5), values[0], 6);
        Assert.Equal(StandardNormal.Cdf(-1.0 / 3) - StandardNormal.Cdf(-2.0 / 3), values[1], 6);
        Assert.Equal(StandardNormal.Cdf(-0.5 / 0.11f) - StandardNormal.Cdf(-1.5 / 0.11f), values[2], 6);

        Tensor scales = tensor(new float[] { 0.05f, 1f }).requires_grad_();
        // The rate of a value off the mean falls as σ grows: descent wants σ up, so the bound lets it through.
        conditional.Likelihood(zeros(2).Plus(0.6), scales).log().sum().neg().backward();
        float[] gradient = scales.grad!.data<float>().ToArray();
        Assert.True(gradient[0] < 0, "a gradient that raises σ passes the bound");

        // Where descent wants σ lower still (a value at the mean), the bound stops it.
        scales.grad!.zero_();
        conditional.Likelihood(zeros(2), scales).log().sum().neg().backward();
        Assert.Equal(0f, scales.grad!.data<float>()[0]);
    }

    [Fact]
    public void GaussianConditionalCodesExactly()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        var conditional = new GaussianConditional();
        conditional.eval();
        Tensor scales = rand(2, 4, 5, 5).Times(20).Plus(0.05);
        Tensor means = randn(2, 4, 5, 5);
        Tensor latent = randn(2, 4, 5, 5).mul(scales).Plus(means);
        (Tensor quantized, _) = conditional.forward(latent, scales, means);
        byte[][] strings = conditional.Compress(latent, scales, means);
        Tensor decoded = conditional.Decompress(strings, scales, means);
        Assert.Equal(quantized.data<float>().ToArray(), decoded.data<float>().ToArray());
        Assert.Equal(["_cdf_length", "_offset", "_quantized_cdf", "scale_table"], conditional.state_dict().Keys.Order());
    }
}
