using System.Runtime.Intrinsics;
using Nic.Torch.Inference;
using Nic.Torch.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>
/// The vectorized step between passes (<see cref="RelaxedRateStep"/>) against autograd's composition of the same terms:
/// y coded around given centres and scales with SGA's sample (<see cref="ChannelContextModel.CodeAround"/>,
/// <see cref="AnnealedRoundingFunction"/>) and the stale distortion gradient (<see cref="TorchLatentOptimizer.StaleGradient"/>).
/// </summary>
public sealed class RelaxedRateStepTests
{
    private const int M = 8, H = 9, W = 13; // a plane of 117 elements: 14 vectors and a tail of 5
    private const uint Seed = 0xC0FFEE;
    private const double Pixels = 16.0 * H * 16 * W, Weight = 0.02 * 255 * 255 / (3 * Pixels);

    /// <summary>
    /// Same noise, the same gradient in y (to 10⁻³ of its largest element, and every element to 10⁻³ of its own size
    /// plus 10⁻⁵ of the largest), for the Gaussian and the logistic likelihood, with a curvature per channel, per element
    /// or none, at the start and the end of the annealing; elements far in the tails (likelihood at its floor) and
    /// narrow scales included. A step whose rate were not divided by the pixels, whose distortion term were left out or
    /// whose curvature were ignored misses by far more (the last assertions).
    /// </summary>
    [Theory]
    [InlineData(ConditionalDistribution.Gaussian, "channel", 0.5)]
    [InlineData(ConditionalDistribution.Gaussian, "element", 0.3)]
    [InlineData(ConditionalDistribution.Gaussian, "none", 0.15)]
    [InlineData(ConditionalDistribution.Logistic, "none", 0.3)]
    [InlineData(ConditionalDistribution.Logistic, "element", 0.5)]
    public void TheVectorizedStepGivesAutogradsGradient(ConditionalDistribution distribution, string curvatureKind, double temperature)
    {
        using var scope = NewDisposeScope();
        (Tensor y, Tensor centres, Tensor spreads, Tensor passGradient, Tensor passPoint, Tensor? curvature) = Inputs(curvatureKind);
        Tensor expected = AutogradGradient(distribution, y, centres, spreads, passGradient, passPoint, curvature, temperature, Pixels, Weight);

        Tensor gradient = zeros_like(y);
        RelaxedRateStep.Apply(y, centres, spreads, Seed, temperature, distribution, passGradient, passPoint, curvature, Weight, Pixels, gradient);

        double largest = expected.abs().max().ToDoubleValue();
        Assert.True(largest > 1e-3, $"largest gradient {largest}");
        double difference = gradient.sub(expected).abs().max().ToDoubleValue();
        Assert.True(difference <= 1e-3 * largest, $"gradient off by {difference} (largest {largest})");
        double elementwise = gradient.sub(expected).abs().sub(expected.abs().Times(1e-3)).max().ToDoubleValue();
        Assert.True(elementwise <= 1e-5 * largest, $"an element off by {elementwise} beyond 10⁻³ of itself");

        // The same comparison fails for a rate left per image instead of per pixel, a lost distortion term, or a
        // curvature ignored: the test can tell.
        Tensor perImage = AutogradGradient(distribution, y, centres, spreads, passGradient, passPoint, curvature, temperature, 1, Weight);
        Tensor noDistortion = AutogradGradient(distribution, y, centres, spreads, passGradient, passPoint, curvature, temperature, Pixels, 0);
        Assert.True(gradient.sub(perImage).abs().max().ToDoubleValue() > 0.1 * largest);
        Assert.True(gradient.sub(noDistortion).abs().max().ToDoubleValue() > 0.1 * largest);
        if (curvature is not null)
        {
            Tensor flat = AutogradGradient(distribution, y, centres, spreads, passGradient, passPoint, null, temperature, Pixels, Weight);
            Assert.True(gradient.sub(flat).abs().max().ToDoubleValue() > 10 * difference);
        }
    }

    /// <summary>Threads share the channels out: two give the bits of one.</summary>
    [Fact]
    public void TheStepIsTheSameOnOneThreadAndTwo()
    {
        using var scope = NewDisposeScope();
        (Tensor y, Tensor centres, Tensor spreads, Tensor passGradient, Tensor passPoint, Tensor? curvature) = Inputs("element");
        Tensor one = zeros_like(y), two = zeros_like(y);
        RelaxedRateStep.Apply(y, centres, spreads, Seed, 0.4, ConditionalDistribution.Gaussian, passGradient, passPoint, curvature, Weight, Pixels, one, parallelism: 1);
        RelaxedRateStep.Apply(y, centres, spreads, Seed, 0.4, ConditionalDistribution.Gaussian, passGradient, passPoint, curvature, Weight, Pixels, two, parallelism: 2);
        Assert.True(one.abs().sum().ToDoubleValue() > 0);
        Assert.Equal(0, one.sub(two).abs().max().ToDoubleValue());
    }

    /// <summary>
    /// The draws lie in (0, 1), at the centres of 2⁻²³-wide cells, spread evenly (each sixteenth of the interval within 4 % of its share over 65 536 draws,
    /// the mean within 0.003 of ½), neighbours uncorrelated, and another seed draws other values.
    /// </summary>
    [Fact]
    public void TheDrawsAreUniformAndChangeWithTheSeed()
    {
        using var scope = NewDisposeScope();
        Tensor like = zeros(1, 16, 64, 64);
        float[] first = RelaxedRateStep.Draws(1, like).data<float>().ToArray();
        float[] second = RelaxedRateStep.Draws(2, like).data<float>().ToArray();
        Assert.All(first, u => Assert.True(u > 0 && u < 1, $"draw {u}"));
        Assert.Equal(1f / (1 << 24), first.Concat(second).Min() % (1f / (1 << 23)));
        Assert.InRange(first.Average(), 0.497, 0.503);
        int[] counts = new int[16];
        foreach (float u in first)
        {
            counts[(int)(u * 16)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 0.96 * first.Length / 16, 1.04 * first.Length / 16));
        double neighbours = Enumerable.Range(0, first.Length - 1).Average(i => (first[i] - 0.5) * (first[i + 1] - 0.5)) * 12;
        Assert.InRange(neighbours, -0.02, 0.02);
        Assert.True(first.Zip(second).Count(p => p.First == p.Second) < 10);
        Assert.Equal(first, RelaxedRateStep.Draws(1, like).data<float>().ToArray());
    }

    /// <summary>
    /// The step's e^x and ln x against float64's over their whole ranges: within 3·10⁻⁷ relative (e^x over [−87, 88],
    /// ln x from 10⁻³⁷ to 10³⁸, where the step takes them); e^x is 0 below −87.3 and +∞ above 88.
    /// </summary>
    [Fact]
    public void ExpAndLogAreWithinAFewUlpsOfFloat64()
    {
        double worstExp = 0, worstLog = 0;
        for (double x = -87; x <= 88; x += 0.01234)
        {
            float[] lanes = new float[8];
            RelaxedRateStep.Exp(Vector256.Create((float)x)).CopyTo(lanes);
            double exact = Math.Exp((float)x);
            worstExp = Math.Max(worstExp, Math.Abs(lanes[0] - exact) / exact);
        }

        for (double e = -37; e <= 38; e += 0.0037)
        {
            float x = (float)Math.Pow(10, e);
            float[] lanes = new float[8];
            RelaxedRateStep.Log(Vector256.Create(x)).CopyTo(lanes);
            double exact = Math.Log(x);
            worstLog = Math.Max(worstLog, Math.Abs(lanes[0] - exact) / Math.Max(1, Math.Abs(exact)));
        }

        Assert.True(worstExp < 3e-7, $"e^x off by {worstExp:G3} relative");
        Assert.True(worstLog < 3e-7, $"ln x off by {worstLog:G3}");
        Assert.Equal(0f, RelaxedRateStep.Exp(Vector256.Create(-90f)).GetElement(0));
        Assert.Equal(float.PositiveInfinity, RelaxedRateStep.Exp(Vector256.Create(89f)).GetElement(0));
        Assert.Equal(1f, RelaxedRateStep.Exp(Vector256<float>.Zero).GetElement(0));
        Assert.Equal(0f, RelaxedRateStep.Log(Vector256<float>.One).GetElement(0));
    }

    /// <summary>A tensor of another type, or not of y's shape, is refused before anything is written.</summary>
    [Fact]
    public void TensorsNotOfYsShapeOrTypeAreRefused()
    {
        using var scope = NewDisposeScope();
        (Tensor y, Tensor centres, Tensor spreads, Tensor passGradient, Tensor passPoint, _) = Inputs("none");
        Tensor gradient = zeros_like(y);
        Assert.Throws<ArgumentException>(() => RelaxedRateStep.Apply(y, centres.to_type(ScalarType.Float64), spreads, Seed, 0.4, ConditionalDistribution.Gaussian, passGradient, passPoint, null, Weight, Pixels, gradient));
        Assert.Throws<ArgumentException>(() => RelaxedRateStep.Apply(y, centres, spreads.narrow(3, 0, W - 1).contiguous(), Seed, 0.4, ConditionalDistribution.Gaussian, passGradient, passPoint, null, Weight, Pixels, gradient));
        Assert.Throws<ArgumentException>(() => RelaxedRateStep.Apply(y, centres, spreads, Seed, 0.4, ConditionalDistribution.Gaussian, passGradient.transpose(2, 3), passPoint, null, Weight, Pixels, gradient));
        Assert.Throws<ArgumentException>(() => RelaxedRateStep.Apply(y, centres, spreads, Seed, 0.4, ConditionalDistribution.Gaussian, passGradient, passPoint, rand(1, M, 2, 1), Weight, Pixels, gradient));
        Assert.Equal(0, gradient.abs().sum().ToDoubleValue());
    }

    private static (Tensor Y, Tensor Centres, Tensor Spreads, Tensor PassGradient, Tensor PassPoint, Tensor? Curvature) Inputs(string curvatureKind)
    {
        using var draws = new Generator(17);
        Tensor y = randn(1, M, H, W, generator: draws).Times(4);
        Tensor centres = randn(1, M, H, W, generator: draws);
        Tensor spreads = rand(1, M, H, W, generator: draws).Times(3).Plus(0.11);
        spreads[0, 3, 2] = spreads[0, 3, 2].Times(0.01).AtLeast(0.11); // narrow scales: some likelihoods at the floor
        y[0, 5, 4] = y[0, 5, 4].Times(40); // far in the tails
        Tensor passGradient = randn(1, M, H, W, generator: draws).Times(0.5);
        Tensor passPoint = y.Plus(randn(1, M, H, W, generator: draws).Times(0.2));
        Tensor? curvature = curvatureKind switch
        {
            "channel" => rand(1, M, 1, 1, generator: draws).Times(0.05).Plus(0.02),
            "element" => rand(1, M, H, W, generator: draws).Times(0.05).Plus(0.02),
            _ => null,
        };
        return (y, centres, spreads, passGradient, passPoint, curvature);
    }

    /// <summary>The search's step between passes as autograd runs it, on the draws the vectorized step makes from <see cref="Seed"/>.</summary>
    private static Tensor AutogradGradient(ConditionalDistribution distribution, Tensor y, Tensor centres, Tensor spreads, Tensor passGradient, Tensor passPoint, Tensor? curvature, double temperature, double pixels, double weight)
    {
        using var context = new ChannelContextModel(M, 2, 4, 3, distribution, 0.11f);
        Tensor draws = RelaxedRateStep.Draws(Seed, y);
        Tensor leaf = y.clone();
        leaf.requires_grad = true;
        (Tensor bits, Tensor yTilde) = context.CodeAround(leaf, (centres, spreads), v => AnnealedRoundingFunction.Apply(v, temperature, draws));
        Tensor stale = TorchLatentOptimizer.StaleGradient(passGradient, passPoint, curvature, yTilde.detach());
        Tensor loss = bits.sum().DividedBy(pixels).Plus(yTilde.sub(yTilde.detach()).mul(stale).sum().Times(weight));
        loss.backward();
        return leaf.grad!.detach().clone();
    }
}
