using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Layers;

/// <summary>
/// GDN or inverse GDN with fixed parameters (neither β nor γ needs a gradient), differentiable in its input only: the
/// layer of a frozen model, as the encoder's latent search runs g_s (<c>TorchLatentOptimizer</c>). The forward pass
/// computes what <see cref="Gdn.forward"/>'s composition computes, the same operations in the same order (bit-identical
/// output); the backward pass gives the input's gradient in two scratch tensors and five elementwise passes where
/// autograd's composition of square, convolution, square root and product allocates about eight maps and walks them
/// about eight times (inverse GDN at 96 × 288 × 288, forward and backward: about 87 → 66 ms on 2 AVX2 cores).
/// </summary>
/// <remarks>
/// With n = β + γ ∗ x² (a 1×1 convolution) and f = √n (inverse) or 1/√n (forward GDN), the output is x·f and
/// ∂L/∂x = g·f + 2x · γᵀ ∗ (g·x·∂f/∂n), where ∂f/∂n = 1/(2f) (inverse) or −f³/2 (forward); γᵀ ∗ is the 1×1
/// convolution with γ's input and output channels swapped.
/// </remarks>
internal sealed class FrozenGdnFunction : autograd.SingleTensorFunction<FrozenGdnFunction>
{
    private const string InverseKey = "inverse";

    /// <inheritdoc />
    public override string Name => "NicFrozenGdn";

    /// <summary>x·f(β + γ ∗ x²) for <paramref name="input"/> (N, C, H, W), γ (C, C, 1, 1) and β (C), none of the parameters needing a gradient.</summary>
    public static Tensor Apply(Tensor input, Tensor gamma, Tensor beta, bool inverse) => apply(input, gamma, beta, inverse);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var gamma = (Tensor)vars[1];
        var beta = (Tensor)vars[2];
        bool inverse = (bool)vars[3];
        Tensor norm = nn.functional.conv2d(input.Squared(), gamma, beta);
        Tensor factor = inverse ? norm.sqrt_() : norm.rsqrt_();
        ctx.save_for_backward([input, factor, gamma]);
        ctx.save_data(InverseKey, inverse);
        return input.mul(factor);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        List<Tensor> saved = ctx.get_saved_variables();
        Tensor input = saved[0], factor = saved[1], gamma = saved[2];
        bool inverse = (bool)ctx.get_data(InverseKey);
        using Tensor scaled = grad_output.mul(input);
        if (inverse)
        {
            scaled.div_(factor); // 2 · ∂f/∂n = 1/f
        }
        else
        {
            scaled.mul_(factor).mul_(factor).mul_(factor).neg_(); // 2 · ∂f/∂n = −f³
        }

        Tensor gradient = nn.functional.conv2d(scaled, gamma.permute(1, 0, 2, 3));
        gradient.mul_(input).AddProductInPlace(grad_output, factor);

        // One gradient per argument of forward: the input, then γ, β and the flag (fixed, so none).
        return [gradient, null!, null!, null!];
    }
}
