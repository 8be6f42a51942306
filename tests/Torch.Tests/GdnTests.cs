using Nic.Codec.Models;
using Nic.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class GdnTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForwardEqualsTheFormulaOnEffectiveParameters(bool inverse)
    {
        using var scope = NewDisposeScope();
        const int channels = 3;
        var gdn = new Gdn(channels, inverse);
        Assert.Equal(["beta", "gamma"], gdn.state_dict().Keys.Order());
        float[] rawBeta = [0.9f, 0.0001f, 1.3f];
        float[] rawGamma = [0.3f, 0.01f, 0f, 0.2f, 0.5f, -0.1f, 0.05f, 0.4f, 0.25f];
        SetRaw(gdn, rawBeta, rawGamma);

        var generator = new Random(5);
        float[] x = Enumerable.Range(0, channels * 4 * 5).Select(_ => (float)((generator.NextDouble() * 4) - 2)).ToArray();
        float[] y = gdn.forward(tensor(x, [1, channels, 4, 5])).data<float>().ToArray();

        (float[] beta, float[] gamma) = GdnParameters.Effective(rawBeta, rawGamma);
        for (int c = 0; c < channels; c++)
        {
            for (int p = 0; p < 20; p++)
            {
                double norm = beta[c];
                for (int j = 0; j < channels; j++)
                {
                    norm += gamma[(c * channels) + j] * (double)x[(j * 20) + p] * x[(j * 20) + p];
                }

                double expected = inverse ? x[(c * 20) + p] * Math.Sqrt(norm) : x[(c * 20) + p] / Math.Sqrt(norm);
                Assert.True(Math.Abs(y[(c * 20) + p] - expected) <= 1e-5 * Math.Max(1e-3, Math.Abs(expected)), $"{y[(c * 20) + p]} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFrozenLayerGivesTheSameOutputAndTheSameInputGradient(bool inverse)
    {
        using var scope = NewDisposeScope();
        const int channels = 5;
        var generator = new Random(inverse ? 11 : 12);
        (Gdn trained, Gdn frozen) = TwoLayersAlike(channels, inverse, generator);

        foreach (Parameter parameter in frozen.parameters())
        {
            parameter.requires_grad = false;
        }

        float[] values = Enumerable.Range(0, channels * 6 * 7).Select(_ => (float)((generator.NextDouble() * 6) - 3)).ToArray();
        float[] weights = Enumerable.Range(0, channels * 6 * 7).Select(_ => (float)(generator.NextDouble() - 0.5)).ToArray();
        (float[] trainedOutput, float[] trainedGradient) = OutputAndGradient(trained, values, weights);
        (float[] frozenOutput, float[] frozenGradient) = OutputAndGradient(frozen, values, weights);

        // The frozen layer runs FrozenGdnFunction: the same operations forward, its own backward pass.
        Assert.Equal(trainedOutput, frozenOutput);
        double largest = trainedGradient.Max(Math.Abs);
        Assert.True(largest > 0.1, $"largest gradient {largest}");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(trainedGradient[i] - frozenGradient[i]) <= 1e-5 * largest, $"element {i}: {trainedGradient[i]} against {frozenGradient[i]}");
        }

        // Without gradients both take the composition.
        using (no_grad())
        {
            Assert.Equal(trainedOutput, frozen.forward(tensor(values, [1, channels, 6, 7])).data<float>().ToArray());
        }
    }

    /// <summary>
    /// <c>to(BFloat16)</c> converts the layer's parameters in place of the old ones (the layer reads them from its
    /// registry, which the conversion updates), and the converted layer gives the float32 output within bfloat16's rounding.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALayerConvertedToBFloat16ComputesInIt(bool inverse)
    {
        using var scope = NewDisposeScope();
        const int channels = 4;
        (Gdn single, Gdn half) = TwoLayersAlike(channels, inverse, new Random(inverse ? 21 : 22));
        half.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, half.RawBeta.dtype);
        Assert.Equal(ScalarType.BFloat16, half.RawGamma.dtype);

        using (no_grad())
        {
            Tensor input = randn(1, channels, 5, 6).Times(2);
            Tensor expected = single.forward(input);
            Tensor found = half.forward(input.to(ScalarType.BFloat16));
            Assert.Equal(ScalarType.BFloat16, found.dtype);
            double error = found.to(ScalarType.Float32).sub(expected).abs().max().ToDoubleValue();
            double largest = expected.abs().max().ToDoubleValue();
            Assert.True(error <= 0.03 * largest, $"bfloat16 off by {error} (largest output {largest})");
        }
    }

    /// <summary>Two layers with the same random raw β (0.5 … 1.5) and γ (0 … 0.6) from <paramref name="generator"/>.</summary>
    private static (Gdn, Gdn) TwoLayersAlike(int channels, bool inverse, Random generator)
    {
        var first = new Gdn(channels, inverse);
        var second = new Gdn(channels, inverse);
        float[] rawBeta = Enumerable.Range(0, channels).Select(_ => (float)(0.5 + generator.NextDouble())).ToArray();
        float[] rawGamma = Enumerable.Range(0, channels * channels).Select(_ => (float)(generator.NextDouble() * 0.6)).ToArray();
        SetRaw(first, rawBeta, rawGamma);
        SetRaw(second, rawBeta, rawGamma);
        return (first, second);
    }

    /// <summary>Sets the layer's raw β [C] and γ [C, C] (row-major).</summary>
    private static void SetRaw(Gdn layer, float[] rawBeta, float[] rawGamma)
    {
        using (no_grad())
        {
            layer.RawBeta.copy_(tensor(rawBeta));
            layer.RawGamma.copy_(tensor(rawGamma, [layer.Channels, layer.Channels]));
        }
    }

    private static (float[] Output, float[] Gradient) OutputAndGradient(Gdn layer, float[] values, float[] weights)
    {
        using var scope = NewDisposeScope();
        long[] shape = [1, layer.Channels, 6, 7];
        Tensor input = tensor(values, shape);
        input.requires_grad = true;
        Tensor output = layer.forward(input);
        output.mul(tensor(weights, shape)).sum().backward();
        return (output.detach().data<float>().ToArray(), input.grad!.data<float>().ToArray());
    }

    [Fact]
    public void InitialisationIsCompressAIs()
    {
        using var scope = NewDisposeScope();
        var gdn = new Gdn(2);
        Assert.Equal([1f, 1f], gdn.EffectiveBeta().data<float>().ToArray());
        float[] gamma = gdn.EffectiveGamma().data<float>().ToArray();
        Assert.Equal(0.1f, gamma[0], 6);
        Assert.Equal(0f, gamma[1]);
        Assert.Equal(GdnParameters.RawFromEffective(0.1f), gdn.RawGamma.data<float>()[0]);
    }

    [Fact]
    public void TheLowerBoundPassesGradientsThatRaiseAValueBelowIt()
    {
        using var scope = NewDisposeScope();
        var gdn = new Gdn(1);
        using (no_grad())
        {
            gdn.RawBeta.FillInPlace(1e-5f); // below beta_bound
        }

        // The effective β sits at its floor; a loss that wants β larger must still move the raw value.
        gdn.EffectiveBeta().sum().neg().backward();
        Assert.True(gdn.RawBeta.grad!.item<float>() < 0);

        gdn.RawBeta.grad!.zero_();
        gdn.EffectiveBeta().sum().backward();
        Assert.Equal(0f, gdn.RawBeta.grad!.item<float>());
    }
}
