using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Layers;

/// <summary>
/// max(x, bound) whose gradient still reaches x below the bound when it points upward, as CompressAI's
/// <c>LowerBound</c>: the incoming gradient passes where <c>x ≥ bound</c> or where it is negative (so that descent
/// raises x); elsewhere it is zero. Without this, a parameter that fell below its bound could never come back.
/// A TorchSharp custom autograd function.
/// </summary>
internal sealed class LowerBoundFunction : autograd.SingleTensorFunction<LowerBoundFunction>
{
    private const string BoundKey = "bound";

    /// <inheritdoc/>
    public override string Name => "NicLowerBound";

    /// <summary>max(<paramref name="input"/>, <paramref name="bound"/>) with the pass-through gradient.</summary>
    public static Tensor Apply(Tensor input, double bound) => apply(input, bound);

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        double bound = (double)vars[1];
        ctx.save_for_backward([input]);
        ctx.save_data(BoundKey, bound);
        return input.AtLeast(bound);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        Tensor input = ctx.get_saved_variables()[0];
        double bound = (double)ctx.get_data(BoundKey);
        using Tensor above = input.AtLeastMask(bound);
        using Tensor pushesUp = grad_output.BelowMask(0);
        using Tensor passes = above.logical_or(pushesUp);
        // One gradient per argument of forward: the tensor, then the bound (a constant, so none).
        return [grad_output.mul(passes.to_type(grad_output.dtype)), null!];
    }
}
