using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Layers;

/// <summary>
/// LeakyReLU, <c>max(x, 0) + slope · min(x, 0)</c>, computed by libtorch's leaky_relu like TorchSharp's
/// <c>nn.LeakyReLU</c>, but holding its slope as a <see cref="Scalar"/> for the module's lifetime: TorchSharp's module
/// makes the Scalar anew in every forward and lets it go while libtorch still reads it (see
/// <see cref="TensorArithmetic"/>). It has no parameters, so a state dict is the same with either module.
/// </summary>
internal sealed class LeakyRelu : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _slope;

    public LeakyRelu(double negativeSlope)
        : base(nameof(LeakyRelu))
    {
        NegativeSlope = negativeSlope;
        _slope = negativeSlope.ToScalar();
    }

    /// <summary>The slope of the negative part.</summary>
    public double NegativeSlope { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => input.leaky_relu(_slope);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _slope.Dispose();
        }

        base.Dispose(disposing);
    }
}
