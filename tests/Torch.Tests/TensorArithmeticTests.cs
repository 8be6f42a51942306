using Nic.Torch.Layers;
using Nic.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

// NIC0001 is off in this file only: its reference side is TorchSharp's own number overloads, operators, softplus,
// LeakyReLU and Adam, which the held helpers are compared with bit for bit.
#pragma warning disable NIC0001

/// <summary>
/// The held-Scalar replacements give TorchSharp's results bit for bit (their safety under garbage-collection stress is
/// checked by scripts/torch-gc-stress.sh, which runs every test here with NIC_GC_STRESS=1).
/// </summary>
public class TensorArithmeticTests
{
    [Fact]
    public void SoftplusIsLibtorchsSoftplusBitForBit()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        Tensor x = cat([randn(5000).mul(randn(5000).exp()), tensor(new[] { -200f, -20f, 0f, 19.999f, 20f, 20.001f, 90f, 1e30f })]);
        Tensor expected = nn.functional.softplus(x);
        Assert.True(TensorArithmetic.SoftplusIsNative);
        Assert.Equal(expected.data<float>().ToArray(), x.Softplus().data<float>().ToArray());
    }

    [Fact]
    public void SoftplusGradientIsTheSigmoidAndFiniteForLargeInputs()
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new[] { -30f, -1f, 0.5f, 3f, 25f, 200f }).requires_grad_();
        x.Softplus().sum().backward();
        float[] gradient = x.grad!.data<float>().ToArray();
        float[] sigmoid = x.detach().sigmoid().data<float>().ToArray();
        for (int i = 0; i < gradient.Length; i++)
        {
            Assert.True(float.IsFinite(gradient[i]));
            Assert.Equal(sigmoid[i], gradient[i], 1e-6f);
        }
    }

    [Fact]
    public void TheComposedSoftplusIsWithinAnUlpAndHasFiniteGradients()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        Tensor x = cat([randn(5000).mul(randn(5000).exp()), tensor(new[] { -200f, 0f, 20f, 20.001f, 90f, 1e30f })]).requires_grad_();
        Tensor composed = TensorArithmetic.SoftplusComposed(x);
        float[] expected = nn.functional.softplus(x.detach()).data<float>().ToArray();
        float[] actual = composed.detach().data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            float ulp = MathF.BitIncrement(Math.Abs(expected[i])) - Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2 * ulp, $"{i}: {expected[i]} vs {actual[i]}");
        }

        composed.sum().backward();
        Assert.All(x.grad!.data<float>().ToArray(), g => Assert.True(float.IsFinite(g) && g >= 0 && g <= 1));
    }

    [Fact]
    public void NumberOperationsMatchTorchSharpsOverloads()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        Tensor a = randn(64), b = randn(64);
        Assert.Equal(a.add(b).data<float>().ToArray(), a.Plus(b).data<float>().ToArray());
        Assert.Equal(a.add(0.25).data<float>().ToArray(), a.Plus(0.25).data<float>().ToArray());
        Assert.Equal(a.sub(0.5).data<float>().ToArray(), a.Minus(0.5).data<float>().ToArray());
        Assert.Equal(a.mul(-1 / Math.Sqrt(2)).data<float>().ToArray(), a.Times(-1 / Math.Sqrt(2)).data<float>().ToArray());
        Assert.Equal(a.div(-Math.Log(2)).data<float>().ToArray(), a.DividedBy(-Math.Log(2)).data<float>().ToArray());
        Assert.Equal(a.clamp_min(0.1).data<float>().ToArray(), a.AtLeast(0.1).data<float>().ToArray());
        Assert.Equal(a.clamp(-0.5, 0.5).data<float>().ToArray(), a.ClampedTo(-0.5, 0.5).data<float>().ToArray());
        Assert.Equal(a.clamp_max(0.3).data<float>().ToArray(), a.AtMost(0.3).data<float>().ToArray());
        Tensor indexes = arange(10);
        Assert.Equal(ScalarType.Int64, indexes.AtMost(6L).dtype);
        Assert.Equal(indexes.clamp_max(6).data<long>().ToArray(), indexes.AtMost(6L).data<long>().ToArray());
        Assert.Equal(a.square().data<float>().ToArray(), a.Squared().data<float>().ToArray());
        Assert.Equal(a.ge(0.2).data<bool>().ToArray(), a.AtLeastMask(0.2).data<bool>().ToArray());
        Assert.Equal(a.lt(0).data<bool>().ToArray(), a.BelowMask(0).data<bool>().ToArray());
        Assert.Equal(full(2, 3, 0.75f).data<float>().ToArray(), TensorArithmetic.Full(0.75, 2, 3).data<float>().ToArray());
        Assert.Equal(Enumerable.Range(-3, 10).Select(v => (double)v), TensorArithmetic.Arange(-3, 7, ScalarType.Float64).data<double>().ToArray());
        Tensor c = a.clone();
        c.PlusInPlace(b).TimesInPlace(2).PlusInPlace(1).AtLeastInPlace(-1);
        Assert.Equal(a.add(b).mul(2).add(1).clamp_min(-1).data<float>().ToArray(), c.data<float>().ToArray());
        Assert.All(c.FillInPlace(3.5).data<float>().ToArray(), v => Assert.Equal(3.5f, v));
    }

    [Fact]
    public void ToDoubleValueIsTorchSharpsToDouble()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(8);
        Tensor a = randn(64).mul(randn(64).exp());
        Tensor[] values =
        [
            a.sum(), a.mean(), a[3], a.to_type(ScalarType.Float64).sum(), a.to_type(ScalarType.Float16).max(),
            arange(10).sum(), tensor(long.MaxValue - 1), tensor(float.MinValue), tensor(double.Epsilon),
        ];
        foreach (Tensor value in values)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(value.ToDouble()), BitConverter.DoubleToInt64Bits(value.ToDoubleValue()));
        }

        // The digits of the MNIST tutorial's evaluation: the held double Scalars give the int Scalars' bits on a float
        // tensor (MnistTutorial and nic-torch mnist-show).
        Tensor x = rand(4096);
        Assert.Equal(x.mul(255).round().clamp(0, 255).div(255).data<float>().ToArray(),
            x.Times(255).round().ClampedTo(0, 255).DividedBy(255).data<float>().ToArray());
    }

    [Fact]
    public void LeakyReluIsTorchSharpsLeakyRelu()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        Tensor x = randn(3, 4, 5, 5);
        using var ours = new LeakyRelu(0.2);
        using LeakyReLU theirs = nn.LeakyReLU(0.2);
        Assert.Equal(theirs.forward(x).data<float>().ToArray(), ours.forward(x).data<float>().ToArray());
        Assert.Empty(ours.parameters());
    }

    [Fact]
    public void AdamTakesTorchSharpsAdamStepsBitForBit()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        Linear Model() => nn.Linear(6, 3);
        Linear ours = Model(), theirs = Model();
        theirs.load_state_dict(ours.state_dict());
        var ourAdam = new Nic.Torch.Training.Adam(ours.parameters(), 3e-2);
        var theirAdam = optim.Adam(theirs.parameters(), lr: 3e-2);
        void StepBoth(Tensor x)
        {
            foreach ((Linear model, OptimizerHelper adam) in new (Linear, OptimizerHelper)[] { (ours, ourAdam), (theirs, theirAdam) })
            {
                adam.zero_grad();
                model.forward(x).Squared().mean().backward();
                adam.step();
            }
        }

        for (int step = 0; step < 12; step++)
        {
            using var stepScope = NewDisposeScope();
            StepBoth(randn(8, 6));

            Assert.Equal(theirs.weight!.data<float>().ToArray(), ours.weight!.data<float>().ToArray());
            Assert.Equal(theirs.bias!.data<float>().ToArray(), ours.bias!.data<float>().ToArray());
        }

        // The state is the base class's: a TorchSharp Adam's saved state loads and continues identically.
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            theirAdam.save_state_dict(writer);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        ourAdam.load_state_dict(reader);
        StepBoth(randn(8, 6));

        Assert.Equal(theirs.weight!.data<float>().ToArray(), ours.weight!.data<float>().ToArray());
    }
}
