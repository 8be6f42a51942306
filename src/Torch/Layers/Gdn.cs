using Nic.Codec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Layers;

/// <summary>
/// Generalized divisive normalization (Ballé et al. 2016) with CompressAI's reparametrization
/// (spec/nic-model.md §5): <c>y_i = x_i / √(β_i + Σ_j γ_ij x_j²)</c>, or <c>y_i = x_i · √(…)</c> when inverse.
/// The parameters <c>beta</c> [C] and <c>gamma</c> [C, C] hold CompressAI's raw values; the effective ones are
/// <c>max(raw, bound)² − pedestal</c>, where the bound passes gradients that push a raw value back above it. Input is
/// (N, C, H, W).
/// </summary>
public sealed class Gdn : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with CompressAI's initialisation: effective β = 1, γ = 0.1 · I.</summary>
    /// <param name="channels">C, the number of channels.</param>
    /// <param name="inverse">True for inverse GDN (the synthesis transform's layer).</param>
    public Gdn(int channels, bool inverse = false)
        : base(inverse ? "InverseGdn" : "Gdn")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        Inverse = inverse;
        using (no_grad())
        {
            Tensor beta = ones(channels).PlusInPlace(GdnParameters.Pedestal).AtLeastInPlace(GdnParameters.Pedestal).sqrt_();
            Tensor gamma = eye(channels).TimesInPlace(0.1).PlusInPlace(GdnParameters.Pedestal).AtLeastInPlace(GdnParameters.Pedestal).sqrt_();
            register_parameter(BetaName, new Parameter(beta));
            register_parameter(GammaName, new Parameter(gamma));
        }
    }

    /// <summary>The number of channels.</summary>
    public int Channels { get; }

    /// <summary>Whether this is inverse GDN.</summary>
    public bool Inverse { get; }

    /// <summary>The raw β [C], as stored in a model file.</summary>
    /// <remarks>
    /// Read from the module's registry, not a field: <c>to(dtype)</c> and <c>to(device)</c> replace a registered
    /// parameter and dispose of the old one, and update only fields named as it is registered.
    /// </remarks>
    public Parameter RawBeta => get_parameter(BetaName)!;

    /// <summary>The raw γ [C, C], as stored in a model file; row i weights the squared inputs of output channel i.</summary>
    public Parameter RawGamma => get_parameter(GammaName)!;

    private const string BetaName = "beta";
    private const string GammaName = "gamma";

    /// <summary>The effective β: max(raw, beta_bound)² − pedestal, differentiable.</summary>
    public Tensor EffectiveBeta() => Effective(RawBeta, GdnParameters.BetaBound);

    /// <summary>The effective γ: max(raw, gamma_bound)² − pedestal, differentiable.</summary>
    public Tensor EffectiveGamma() => Effective(RawGamma, GdnParameters.GammaBound);

    /// <summary>Normalizes <paramref name="input"/> (N, C, H, W).</summary>
    /// <exception cref="ArgumentException">The input is not 4-D with <see cref="Channels"/> channels.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != Channels)
        {
            throw new ArgumentException($"GDN with {Channels} channels takes (N, {Channels}, H, W); got {TensorData.Shape(input)}", nameof(input));
        }

        using var scope = NewDisposeScope();
        Tensor beta = EffectiveBeta();
        Tensor gamma = EffectiveGamma().reshape(Channels, Channels, 1, 1);
        if (is_grad_enabled() && input.requires_grad && !beta.requires_grad && !gamma.requires_grad)
        {
            // A frozen layer differentiated in its input (the latent search's g_s): the same output, a leaner backward pass.
            return FrozenGdnFunction.Apply(input, gamma, beta, Inverse).MoveToOuterDisposeScope();
        }

        Tensor norm = nn.functional.conv2d(input.Squared(), gamma, beta);
        Tensor output = Inverse ? input.mul(norm.sqrt()) : input.mul(norm.rsqrt());
        return output.MoveToOuterDisposeScope();
    }

    private static Tensor Effective(Tensor raw, float bound) =>
        LowerBoundFunction.Apply(raw, bound).Squared().Minus(GdnParameters.Pedestal);
}
