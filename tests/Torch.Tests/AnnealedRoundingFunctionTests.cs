using Nic.Torch.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>SGA's relaxed rounding as one autograd node (the encoder's latent search).</summary>
public sealed class AnnealedRoundingFunctionTests
{
    /// <summary>
    /// The node gives what autograd's composition of SGA's formula gives from the same uniform draw, in value and in
    /// gradient: ⌊v⌋ + σ(((atanh f − atanh(1 − f))/τ + log u − log(1 − u))/τ), f and 1 − f held below 1 − 10⁻⁵ (at the
    /// integers, where 1 − f is held, and just below them, where f is, that term's derivative is zero).
    /// </summary>
    [Theory]
    [InlineData(0.5, ScalarType.Float64)]
    [InlineData(0.15, ScalarType.Float64)]
    [InlineData(0.3, ScalarType.Float32)]
    public void ItMatchesAutogradOfTheFormula(double temperature, ScalarType type)
    {
        using var scope = NewDisposeScope();
        double[] held = [-1e-6, 3 - 1e-6, 1 - 4e-6, 2 + 4e-6];
        Tensor start = cat([linspace(-2.5, 2.5, 157, dtype: ScalarType.Float64), tensor(held)]).to_type(type).reshape(1, 1, 7, 23);
        using var outputNoise = new Generator(5);
        Tensor outputGradient = rand(start.shape, dtype: type, generator: outputNoise).Plus(0.5);

        Tensor values = start.detach().clone().requires_grad_(true);
        using var noise = new Generator(17);
        Tensor sample = AnnealedRoundingFunction.Apply(values, temperature, noise);
        sample.backward([outputGradient]);

        Tensor reference = start.detach().clone().requires_grad_(true);
        using var sameNoise = new Generator(17);
        Tensor uniform = rand(start.shape, dtype: type, generator: sameNoise).ClampedTo(1e-10, 1 - 1e-7);
        Tensor floor = reference.detach().floor();
        Tensor fraction = reference.sub(floor);
        Tensor logit = fraction.AtMost(1 - AnnealedRoundingFunction.Epsilon).atanh()
            .sub(fraction.neg().Plus(1).AtMost(1 - AnnealedRoundingFunction.Epsilon).atanh())
            .DividedBy(temperature)
            .Plus(uniform.log().sub(uniform.neg().Plus(1).log()));
        Tensor expected = floor.Plus(nn.functional.sigmoid(logit.DividedBy(temperature)));
        expected.backward([outputGradient]);

        double tolerance = type == ScalarType.Float64 ? 1e-12 : 1e-4;
        Assert.True(sample.sub(expected).abs().max().ToDoubleValue() < tolerance);
        Assert.True(values.grad!.sub(reference.grad!).abs().max().ToDoubleValue() < tolerance * 100);
        Assert.True(values.grad!.abs().max().ToDoubleValue() > 0.1);
    }
}
