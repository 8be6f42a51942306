using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// Stochastic Gumbel annealing's relaxed rounding (SGA; Yang, Marino and Mandt 2020, eq. 5) as one autograd node: for
/// v with f = v − ⌊v⌋, the sample ⌊v⌋ + w, w = σ(((atanh f − atanh(1 − f))/τ + L)/τ), the weight of ⌈v⌉ in a
/// two-way Gumbel-softmax at temperature τ whose logits are −atanh(distance)/τ; L, the difference of the two Gumbel
/// samples, is drawn as one logistic sample log u − log(1 − u), which has that difference's distribution.
/// </summary>
/// <remarks>
/// Autograd's composition of the same formula keeps about a dozen maps of the latent's size and walks them again in the
/// backward pass; this node keeps f and w and gives ∂w/∂v = w(1 − w)/τ² · (1/(1 − f²) + 1/(1 − (1 − f)²)) in one
/// pass. f and 1 − f are held below 1 − 10⁻⁵ (atanh stays finite), where their term of the derivative is zero.
/// </remarks>
internal sealed class AnnealedRoundingFunction : autograd.SingleTensorFunction<AnnealedRoundingFunction>
{
    /// <summary>Keeps atanh finite at the ends of [0, 1].</summary>
    internal const double Epsilon = 1e-5;

    /// <summary>The lowest uniform draw (as float32, as libtorch's clamp of a float32 tensor applies it): log u stays finite.</summary>
    internal const float LowestDraw = (float)1e-10;

    /// <summary>The highest uniform draw (as float32): log(1 − u) stays finite.</summary>
    internal const float HighestDraw = (float)(1 - 1e-7);

    private const string TemperatureKey = "temperature";

    /// <inheritdoc />
    public override string Name => "NicAnnealedRounding";

    /// <summary>The relaxed rounding of <paramref name="values"/> at <paramref name="temperature"/>, its noise drawn from <paramref name="noise"/>.</summary>
    public static Tensor Apply(Tensor values, double temperature, Generator noise) => apply(values, temperature, noise);

    /// <summary>The same with the uniform draws given (<paramref name="draws"/>, the shape of the values): tests that compare another computation on the same noise.</summary>
    public static Tensor Apply(Tensor values, double temperature, Tensor draws) => apply(values, temperature, draws);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var values = (Tensor)vars[0];
        double temperature = (double)vars[1];

        using var scope = NewDisposeScope();
        Tensor floor = values.floor();
        Tensor fraction = values.sub(floor);
        Tensor logit = fraction.AtMost(1 - Epsilon).atanh_().sub_(fraction.neg().PlusInPlace(1).AtMostInPlace(1 - Epsilon).atanh_()).TimesInPlace(1 / temperature);
        Tensor draws = vars[2] is Tensor given ? given : rand(values.shape, dtype: values.dtype, device: values.device, generator: (Generator)vars[2]);
        Tensor uniform = draws.ClampedTo(LowestDraw, HighestDraw);
        logit.PlusInPlace(uniform.log().sub_(uniform.neg().log1p_()));
        Tensor weight = logit.TimesInPlace(1 / temperature).sigmoid_();
        // TorchSharp saves these after forward returns: disposed with the scope, they would be saved empty and backward
        // would find nothing. They leave the scope and are freed with the graph.
        ctx.save_for_backward([fraction.MoveToOuterDisposeScope(), weight.MoveToOuterDisposeScope()]);
        ctx.save_data(TemperatureKey, temperature);
        return floor.PlusInPlace(weight).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        double temperature = (double)ctx.get_data(TemperatureKey);
        using var scope = NewDisposeScope();
        List<Tensor> saved = ctx.get_saved_variables(); // handles of this scope (autograd's own threads have none of theirs)
        Tensor fraction = saved[0], weight = saved[1];
        Tensor below = AtanhSlope(fraction);
        Tensor above = AtanhSlope(fraction.neg().PlusInPlace(1));
        Tensor gradient = weight.neg().PlusInPlace(1).mul_(weight).mul_(below.PlusInPlace(above)).TimesInPlace(1 / (temperature * temperature)).mul_(grad_output);

        // One gradient per argument of forward: the values, then the temperature and the generator or the draws (none).
        return [gradient.MoveToOuterDisposeScope(), null!, null!];
    }

    /// <summary>d atanh(min(x, 1 − ε))/dx for x in [0, 1]: 1/(1 − x²) below 1 − ε, 0 where the bound holds x.</summary>
    private static Tensor AtanhSlope(Tensor x) =>
        x.AtMost(1 - Epsilon).Squared().neg_().PlusInPlace(1).reciprocal_().mul_(x.BelowMask(1 - Epsilon));
}
