using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch;

/// <summary>
/// Tensor arithmetic with numbers whose <see cref="Scalar"/> outlives the native call. Nic.Torch uses these instead
/// of TorchSharp's number overloads and operators.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107 hands a <see cref="Scalar"/>'s native handle to libtorch and then holds no reference to the
/// managed object while libtorch runs. A Scalar made on the spot — an implicit conversion from a number, the alpha of
/// 1 that <c>Tensor.add(Tensor)</c> makes for itself, the exponent 2 of <c>square()</c> — can therefore be finalized
/// by a garbage collection that another thread starts during the call, and libtorch then reads freed memory: an
/// "Expected false to be true" error from <c>Scalar::toDouble</c>, a wrong result, or a crash. It is rare in a quiet
/// process and frequent in a busy one (tests/Torch.Tests under <c>NIC_GC_STRESS=1</c> shows it within seconds).
/// </para>
/// <para>
/// Every Scalar here is either a static constant, which is never collected, or held by a <c>using</c> declaration
/// until the native call has returned. Tensor temporaries are safe inside a dispose scope, which holds them.
/// </para>
/// <para>
/// The build enforces this: the analyzer NIC0001 (src/Analyzers/ScalarLifetimeAnalyzer.cs), which Nic.Torch and
/// nic-torch run, fails the build on a conversion to Scalar that is not held by a <c>using</c> local or a readonly
/// field, and on a TorchSharp member that makes one inside itself (<c>+</c> on tensors, <c>t * 0.5</c>,
/// <c>square()</c>, <c>softplus</c>, <c>ToDouble()</c>, <c>nn.LeakyReLU</c>, <c>optim.Adam</c>, …; the list,
/// derived from TorchSharp's source, is src/Analyzers/ScalarDenylist.Members.cs). Add a helper here rather than
/// suppressing it.
/// </para>
/// </remarks>
internal static class TensorArithmetic
{
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar SoftplusBeta = 1.0.ToScalar();
    private static readonly Scalar SoftplusThreshold = 20.0.ToScalar();
    private static readonly Func<Tensor, Scalar, Scalar, Tensor>? SoftplusWithScalars = typeof(Tensor)
        .GetMethod("softplus1", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(Scalar), typeof(Scalar)])
        ?.CreateDelegate<Func<Tensor, Scalar, Scalar, Tensor>>();

    /// <summary>Whether <see cref="Softplus"/> reaches libtorch's softplus kernel (else it composes the function).</summary>
    internal static bool SoftplusIsNative => SoftplusWithScalars is not null;

    /// <summary>a + b (TorchSharp's <c>add(Tensor)</c> with a held alpha).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += b·c in place (TorchSharp's <c>addcmul_</c> with a held factor of 1).</summary>
    public static Tensor AddProductInPlace(this Tensor a, Tensor b, Tensor c) => a.addcmul_(b, c, One);

    /// <summary>a + value.</summary>
    public static Tensor Plus(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.add(s, One));

    /// <summary>a += value in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.add_(s, One));

    /// <summary>Every element of a set to value, in place.</summary>
    public static Tensor FillInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.fill_(s));

    /// <summary>a − value.</summary>
    public static Tensor Minus(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.sub(s));

    /// <summary>a · value.</summary>
    public static Tensor Times(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.mul(s));

    /// <summary>a ·= value in place.</summary>
    public static Tensor TimesInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.mul_(s));

    /// <summary>a / value.</summary>
    public static Tensor DividedBy(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.div(s));

    /// <summary>max(a, bound).</summary>
    public static Tensor AtLeast(this Tensor a, double bound) => WithScalar(a, bound, static (t, s) => t.clamp_min(s));

    /// <summary>min(a, bound).</summary>
    public static Tensor AtMost(this Tensor a, double bound) => WithScalar(a, bound, static (t, s) => t.clamp_max(s));

    /// <summary>min(a, bound) with an integer bound, which keeps an integer tensor's type (a double bound would promote it to float).</summary>
    public static Tensor AtMost(this Tensor a, long bound)
    {
        using Scalar s = bound.ToScalar();
        return a.clamp_max(s);
    }

    /// <summary>a = max(a, bound) in place.</summary>
    public static Tensor AtLeastInPlace(this Tensor a, double bound) => WithScalar(a, bound, static (t, s) => t.clamp_min_(s));

    /// <summary>a = min(a, bound) in place.</summary>
    public static Tensor AtMostInPlace(this Tensor a, double bound) => WithScalar(a, bound, static (t, s) => t.clamp_max_(s));

    /// <summary>The elements where a ≥ value.</summary>
    public static Tensor AtLeastMask(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.ge(s));

    /// <summary>The elements where a &lt; value.</summary>
    public static Tensor BelowMask(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.lt(s));

    /// <summary>min(max(a, min), max).</summary>
    public static Tensor ClampedTo(this Tensor a, double min, double max)
    {
        using Scalar low = min.ToScalar();
        using Scalar high = max.ToScalar();
        return a.clamp(low, high);
    }

    /// <summary>a² (libtorch's square, which is pow(a, 2)).</summary>
    public static Tensor Squared(this Tensor a) => a.pow(Two);

    /// <summary>
    /// softplus(a) = log(1 + eᵃ), and a itself above 20: libtorch's softplus with β = 1 and threshold 20, the values and
    /// gradients of <c>nn.functional.softplus</c> bit for bit.
    /// </summary>
    /// <remarks>
    /// TorchSharp's public softplus makes its β and threshold Scalars on the spot; the method it passes them to takes
    /// Scalars but is private, so it is called through a delegate with held ones. Should a TorchSharp version lack that
    /// method, the same function is computed from its parts (exp, then log1p, with the input clamped below the
    /// threshold so the unused branch has a finite gradient), which can differ from libtorch's fused kernel in the
    /// last bit.
    /// </remarks>
    public static Tensor Softplus(this Tensor a) =>
        SoftplusWithScalars is { } native ? native(a, SoftplusBeta, SoftplusThreshold) : SoftplusComposed(a);

    /// <summary>The composed softplus that <see cref="Softplus"/> falls back to.</summary>
    internal static Tensor SoftplusComposed(Tensor a)
    {
        using var scope = NewDisposeScope();
        Tensor result = where(a.gt(SoftplusThreshold), a, a.clamp_max(SoftplusThreshold).exp().log1p());
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/> (float32).</summary>
    public static Tensor Full(double value, params long[] shape)
    {
        using Scalar s = value.ToScalar();
        return full(shape, s);
    }

    /// <summary>start, start + 1, …, stop − 1 as a 1-D tensor of <paramref name="dtype"/> (arange with held Scalars).</summary>
    public static Tensor Arange(long start, long stop, ScalarType dtype)
    {
        using Scalar first = start.ToScalar();
        using Scalar end = stop.ToScalar();
        return arange(first, end, One, dtype);
    }

    /// <summary>
    /// The value of a one-element tensor as a double: TorchSharp's <c>ToDouble()</c> (libtorch's item, then
    /// <c>Scalar::toDouble</c>) with the Scalar held until it has been read.
    /// </summary>
    public static double ToDoubleValue(this Tensor a)
    {
        using Scalar s = a.ToScalar();
        return s.ToDouble();
    }

    /// <summary>
    /// op(a, value as a Scalar), the Scalar held until op has returned. The operations above pass static lambdas, so
    /// no delegate is allocated per call.
    /// </summary>
    private static Tensor WithScalar(Tensor a, double value, Func<Tensor, Scalar, Tensor> op)
    {
        using Scalar s = value.ToScalar();
        return op(a, s);
    }
}
