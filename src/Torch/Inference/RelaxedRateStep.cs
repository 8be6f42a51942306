using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nic.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// The gradient of a step between passes of g_s in effort 2's search on a channel-context model, in one vectorized pass
/// over y: SGA's relaxed sample of y around the pass's centres (<see cref="AnnealedRoundingFunction"/>'s formula, on
/// draws hashed from each element's index, <see cref="Draws"/>), its bits under the pass's scales (the Gaussian or
/// logistic likelihood of <see cref="ChannelContextModel.CodeAround"/>, floored at
/// <see cref="ChannelContextModel.LikelihoodBound"/>) and the distortion's stale gradient
/// (<see cref="TorchLatentOptimizer.StaleGradient"/>). autograd's composition of the same terms runs about sixty
/// elementwise libtorch operations over the latent forward and backward, and libtorch's generator draws its noise: 17 ms
/// a step on a 1.2-MP photo's 630 k latents with AVX-512 off, 39 steps a search; this pass takes 3.6 ms on two threads
/// alone, 4.2–5.4 ms within the search.
/// Each element's derivative is computed in three stages over blocks of <see cref="Block"/> elements (the sample, the
/// likelihood, the gradient), so that few vectors are live at once, with float32 e^x and ln x of Cephes (inlined: .NET's
/// Vector256.Log is a call, and its Exp of float32 computes in float64) and erfc from the Chebyshev fit of Numerical
/// Recipes (§6.2, relative error below 1.2·10⁻⁷ on the whole line, so the tails keep their relative accuracy). The
/// values are those the libtorch operations give on the same draws up to float32 rounding (the tests compare both), and
/// the same on every CPU with AVX2 and FMA and for any number of threads.
/// </summary>
internal static class RelaxedRateStep
{
    private const float InverseSqrt2 = 0.70710678118654752440f;
    private const float InverseSqrt2Pi = 0.39894228040143267794f;
    private const float Ln2 = 0.69314718055994530942f;

    /// <summary>
    /// Writes into <paramref name="gradient"/> the derivative in y of Σ bits ÷ <paramref name="pixels"/> +
    /// <paramref name="distortionWeight"/> · Σ ỹ·G, ỹ = μ + s the relaxed sample, G the pass's distortion gradient
    /// corrected by the curvature for the step since the pass (a constant: the loss's term (ỹ − detach ỹ)·G). Every
    /// tensor is float32, contiguous, on the CPU, of y's shape (1, M, h, w), except <paramref name="curvature"/>:
    /// (1, M, 1, 1), y's shape, or null for none.
    /// </summary>
    /// <param name="y">The latent.</param>
    /// <param name="centres">Each element's centre μ (the pass's).</param>
    /// <param name="spreads">Each element's scale σ (the pass's).</param>
    /// <param name="seed">The annealing's draws: element i's uniform draw is <see cref="Draws"/>'s (a hash of i and the seed).</param>
    /// <param name="temperature">τ.</param>
    /// <param name="distribution">The likelihood's distribution.</param>
    /// <param name="passGradient">∂D/∂ỹ at the pass's ỹ.</param>
    /// <param name="passPoint">The pass's ỹ.</param>
    /// <param name="curvature">The curvature of D (per channel or per element), or null.</param>
    /// <param name="distortionWeight">λ·255² ÷ the samples of the error.</param>
    /// <param name="pixels">The image's pixels (the rate is in bits per pixel).</param>
    /// <param name="gradient">Written: the loss's derivative in y.</param>
    /// <param name="parallelism">The most threads to use (channels are shared out; the result does not depend on it).</param>
    /// <exception cref="ArgumentException">A tensor is not float32, contiguous and on the CPU, or not of y's shape.</exception>
    public static void Apply(
        Tensor y, Tensor centres, Tensor spreads, uint seed, double temperature, ConditionalDistribution distribution,
        Tensor passGradient, Tensor passPoint, Tensor? curvature, double distortionWeight, double pixels, Tensor gradient, int parallelism = 1)
    {
        if (y.dim() != 4 || y.shape[0] != 1)
        {
            throw new ArgumentException($"y is {TensorData.Shape(y)}; the step takes one latent (1, M, h, w)", nameof(y));
        }

        int channels = (int)y.shape[1];
        int plane = checked((int)(y.shape[2] * y.shape[3]));
        Tensor[] planes = [y, centres, spreads, passGradient, passPoint, gradient];
        foreach (Tensor t in planes)
        {
            Check(t, (long)channels * plane);
        }

        bool perChannel = false;
        if (curvature is not null)
        {
            perChannel = curvature.numel() == channels; // with one element a plane, per channel and per element are alike
            Check(curvature, perChannel ? channels : (long)channels * plane);
        }

        var constants = new Constants((float)(1 / temperature), (float)distortionWeight, (float)(1 / pixels), distribution == ConditionalDistribution.Logistic, perChannel, seed);
        if (parallelism <= 1 || channels == 1)
        {
            for (int channel = 0; channel < channels; channel++)
            {
                Channel(planes, curvature, constants, channel, plane);
            }

            return;
        }

        Parallel.For(0, channels, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, channel => Channel(planes, curvature, constants, channel, plane));
    }

    /// <summary>One channel's plane: <paramref name="planes"/> are y, μ, σ, the pass's gradient and ỹ, then the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Channel(Tensor[] planes, Tensor? curvatureTensor, Constants k, int channel, int plane)
    {
        int start = channel * plane;
        ReadOnlySpan<float> y = Floats(planes[0]).Slice(start, plane);
        ReadOnlySpan<float> centres = Floats(planes[1]).Slice(start, plane);
        ReadOnlySpan<float> spreads = Floats(planes[2]).Slice(start, plane);
        ReadOnlySpan<float> passGradient = Floats(planes[3]).Slice(start, plane);
        ReadOnlySpan<float> passPoint = Floats(planes[4]).Slice(start, plane);
        Span<float> gradient = Floats(planes[5]).Slice(start, plane);
        ReadOnlySpan<float> curvature = curvatureTensor is null ? default : k.PerChannel ? Floats(curvatureTensor).Slice(channel, 1) : Floats(curvatureTensor).Slice(start, plane);
        Span<float> scratch = stackalloc float[ScratchBlocks * Block];
        Span<float> padded = stackalloc float[7 * Block];
        for (int i = 0; i < plane; i += Block)
        {
            int n = Math.Min(Block, plane - i);
            ReadOnlySpan<float> h = curvature.IsEmpty || k.PerChannel ? curvature : curvature.Slice(i, n);
            if (n == Block)
            {
                Run(k, (uint)(start + i), y.Slice(i, n), centres.Slice(i, n), spreads.Slice(i, n), passGradient.Slice(i, n), passPoint.Slice(i, n), h, gradient.Slice(i, n), scratch);
                continue;
            }

            // The plane's last elements (fewer than a block) through the same code, padded with values that keep it finite.
            static Span<float> Pad(Span<float> padded, int slot, ReadOnlySpan<float> values, float padding)
            {
                Span<float> block = padded.Slice(slot * Block, Block);
                block.Fill(padding);
                values.CopyTo(block);
                return block;
            }

            Span<float> output = padded.Slice(6 * Block, Block);
            Run(k, (uint)(start + i), Pad(padded, 0, y.Slice(i), 0), Pad(padded, 1, centres.Slice(i), 0), Pad(padded, 2, spreads.Slice(i), 1), Pad(padded, 3, passGradient.Slice(i), 0), Pad(padded, 4, passPoint.Slice(i), 0), h.IsEmpty || k.PerChannel ? h : Pad(padded, 5, h, 0), output, scratch);
            output[..n].CopyTo(gradient.Slice(i));
        }
    }

    /// <summary>Elements per block: each stage of <see cref="Run"/> walks a block before the next, so that few vectors are live at once.</summary>
    private const int Block = 64;

    /// <summary>The blocks of intermediate values a block keeps between its stages: s, ∂w/∂v, ∂bits/∂s.</summary>
    private const int ScratchBlocks = 3;

    /// <summary>One block of <see cref="Block"/> elements, in three stages: SGA's sample, the likelihood, the gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(
        in Constants k, uint first, ReadOnlySpan<float> y, ReadOnlySpan<float> centres, ReadOnlySpan<float> spreads,
        ReadOnlySpan<float> passGradient, ReadOnlySpan<float> passPoint, ReadOnlySpan<float> curvature, Span<float> gradient, Span<float> scratch)
    {
        Span<float> sample = scratch[..Block], sampleSlope = scratch.Slice(Block, Block), rateSlope = scratch.Slice(2 * Block, Block);
        Sample(k.InverseTemperature, k.Seed, first, y, centres, sample, sampleSlope);
        if (k.Logistic)
        {
            LogisticRateSlope(sample, spreads, rateSlope);
        }
        else
        {
            GaussianRateSlope(sample, spreads, rateSlope);
        }

        Vector256<float> perPixel = Vector256.Create(k.PerPixel), weight = Vector256.Create(k.DistortionWeight);
        Vector256<float> channelCurvature = k.PerChannel ? Vector256.Create(curvature[0]) : Vector256<float>.Zero;
        for (int j = 0; j < Block; j += Lanes)
        {
            // The distortion's stale gradient at ỹ = μ + s, then the chain through s's derivative.
            Vector256<float> h = curvature.IsEmpty || k.PerChannel ? channelCurvature : Vector256.Create(curvature.Slice(j, Lanes));
            Vector256<float> yTilde = Vector256.Create(centres.Slice(j, Lanes)) + Vector256.Create(sample.Slice(j, Lanes));
            Vector256<float> stale = Vector256.Create(passGradient.Slice(j, Lanes)) + ((yTilde - Vector256.Create(passPoint.Slice(j, Lanes))) * h);
            Vector256<float> g = ((Vector256.Create(rateSlope.Slice(j, Lanes)) * perPixel) + (weight * stale)) * Vector256.Create(sampleSlope.Slice(j, Lanes));
            g.CopyTo(gradient.Slice(j, Lanes));
        }
    }

    private static int Lanes => Vector256<float>.Count;

    /// <summary>
    /// The uniform draws in (0, 1) that <see cref="Apply"/> takes for a latent like <paramref name="like"/> (float32, its
    /// shape, in its order): for the tests, which feed them to autograd's composition.
    /// </summary>
    internal static Tensor Draws(uint seed, Tensor like)
    {
        var values = new float[checked((int)like.numel())];
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int i = 0; i < values.Length; i += Lanes)
        {
            Draw(seed, (uint)i).CopyTo(lanes);
            lanes[..Math.Min(Lanes, values.Length - i)].CopyTo(values.AsSpan(i));
        }

        return tensor(values, like.shape);
    }

    /// <summary>
    /// The uniform draws of elements <paramref name="first"/> … + 7: murmur3's 32-bit finalizer of i·φ + seed (a bijection
    /// of i within a step, and every bit of the result depends on every bit of its input), its 23 high bits centred in
    /// 2⁻²³-wide cells, exactly: 2⁻²⁴ … 1 − 2⁻²⁴. Counted from the element's index, they need no state and no order: the
    /// same on any threads. libtorch's generator drew the 630 k uniforms of a 1.2-MP photo's latent in 2.8 ms, more
    /// than this whole pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Draw(uint seed, uint first)
    {
        Vector256<uint> h = (Vector256.Create(first) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7)) * Vector256.Create(0x9E3779B9u) + Vector256.Create(seed);
        h ^= Vector256.ShiftRightLogical(h, 16);
        h *= Vector256.Create(0x85EBCA6Bu);
        h ^= Vector256.ShiftRightLogical(h, 13);
        h *= Vector256.Create(0xC2B2AE35u);
        h ^= Vector256.ShiftRightLogical(h, 16);
        return (Vector256.ConvertToSingle(Vector256.ShiftRightLogical(h, 9).AsInt32()) + Vector256.Create(0.5f)) * Vector256.Create(1f / (1 << 23));
    }

    /// <summary>
    /// SGA's sample s = ⌊v⌋ + w of v = y − μ, w = σ(((atanh f − atanh(1 − f))/τ + log u − log(1 − u))/τ) for f = v − ⌊v⌋
    /// (<see cref="AnnealedRoundingFunction"/>), and ∂w/∂v = w(1 − w)/τ² · (d atanh(min(f, 1 − ε))/df + the same at 1 − f).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sample(float inverseTemperature, uint seed, uint first, ReadOnlySpan<float> y, ReadOnlySpan<float> centres, Span<float> sample, Span<float> sampleSlope)
    {
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> top = Vector256.Create((float)(1 - AnnealedRoundingFunction.Epsilon));
        Vector256<float> inverse = Vector256.Create(inverseTemperature);
        for (int j = 0; j < Block; j += Lanes)
        {
            Vector256<float> v = Vector256.Create(y.Slice(j, Lanes)) - Vector256.Create(centres.Slice(j, Lanes));
            Vector256<float> floor = Vector256.Floor(v);
            Vector256<float> fraction = v - floor;
            Vector256<float> complement = one - fraction;
            Vector256<float> below = Vector256.Min(fraction, top);
            Vector256<float> above = Vector256.Min(complement, top);
            Vector256<float> u = Vector256.Min(Vector256.Max(Draw(seed, first + (uint)j), Vector256.Create(AnnealedRoundingFunction.LowestDraw)), Vector256.Create(AnnealedRoundingFunction.HighestDraw));
            Vector256<float> atanhs = Log((one + below) * (one - above) / ((one - below) * (one + above))) * Vector256.Create(0.5f);
            Vector256<float> logit = (atanhs * inverse) + Log(u / (one - u));
            Vector256<float> w = one / (one + Exp(-(logit * inverse)));

            // d atanh(min(x, 1 − ε))/dx at f and at 1 − f: 1/(1 − min(x, 1 − ε)²) below 1 − ε, 0 where the bound holds
            // x (as the autograd node's), over one common denominator.
            Vector256<float> belowSquare = one - (below * below), aboveSquare = one - (above * above);
            Vector256<float> slope = (Vector256.ConditionalSelect(Vector256.LessThan(fraction, top), aboveSquare, Vector256<float>.Zero)
                + Vector256.ConditionalSelect(Vector256.LessThan(complement, top), belowSquare, Vector256<float>.Zero)) / (belowSquare * aboveSquare);
            (floor + w).CopyTo(sample.Slice(j, Lanes));
            (w * (one - w) * (inverse * inverse) * slope).CopyTo(sampleSlope.Slice(j, Lanes));
        }
    }

    /// <summary>
    /// ∂/∂s of −log₂ max(L, 10⁻⁹), L = Φ((½ − |s|)/σ) − Φ((−½ − |s|)/σ) the Gaussian likelihood of the interval around s:
    /// (φ((½ − |s|)/σ) − φ((−½ − |s|)/σ))·sign(s)/(σ·L·ln 2) where L is at least the floor (clamp_min's gradient), 0 below.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GaussianRateSlope(ReadOnlySpan<float> sample, ReadOnlySpan<float> spreads, Span<float> rateSlope)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        for (int j = 0; j < Block; j += Lanes)
        {
            Vector256<float> s = Vector256.Create(sample.Slice(j, Lanes));
            Vector256<float> a = Vector256.Abs(s);
            Vector256<float> inverseSpread = Vector256<float>.One / Vector256.Create(spreads.Slice(j, Lanes));
            (Vector256<float> upper, Vector256<float> upperDensity) = NormalCdf((half - a) * inverseSpread);
            (Vector256<float> lower, Vector256<float> lowerDensity) = NormalCdf((-half - a) * inverseSpread);
            RateSlope(s, upper - lower, (upperDensity - lowerDensity) * inverseSpread).CopyTo(rateSlope.Slice(j, Lanes));
        }
    }

    /// <summary>The same for the logistic of scale σ·√3/π (the variance of a Gaussian of σ): L = S((½ − |s|)/c) − S((−½ − |s|)/c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LogisticRateSlope(ReadOnlySpan<float> sample, ReadOnlySpan<float> spreads, Span<float> rateSlope)
    {
        Vector256<float> one = Vector256<float>.One, half = Vector256.Create(0.5f);
        for (int j = 0; j < Block; j += Lanes)
        {
            Vector256<float> s = Vector256.Create(sample.Slice(j, Lanes));
            Vector256<float> a = Vector256.Abs(s);
            Vector256<float> inverseScale = one / (Vector256.Create(spreads.Slice(j, Lanes)) * Vector256.Create((float)ChannelContextModel.LogisticScalePerSpread));
            Vector256<float> upper = one / (one + Exp(-((half - a) * inverseScale)));
            Vector256<float> lower = one / (one + Exp(-((-half - a) * inverseScale)));
            RateSlope(s, upper - lower, ((upper * (one - upper)) - (lower * (one - lower))) * inverseScale).CopyTo(rateSlope.Slice(j, Lanes));
        }
    }

    /// <summary>∂/∂s of −log₂ max(L, 10⁻⁹) from L and −∂L/∂|s| (<paramref name="densityDrop"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RateSlope(Vector256<float> s, Vector256<float> likelihood, Vector256<float> densityDrop)
    {
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> sign = Vector256.ConditionalSelect(Vector256.GreaterThan(s, Vector256<float>.Zero), one, Vector256<float>.Zero)
            - Vector256.ConditionalSelect(Vector256.LessThan(s, Vector256<float>.Zero), one, Vector256<float>.Zero);
        return Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(likelihood, Vector256.Create((float)ChannelContextModel.LikelihoodBound)),
            densityDrop / (likelihood * Vector256.Create(Ln2)) * sign,
            Vector256<float>.Zero);
    }

    /// <summary>
    /// e^x in float32 (Cephes' expf: x = k·ln 2 + r, |r| ≤ ½ ln 2, e^r by a degree-6 polynomial, within about 1 ulp;
    /// .NET's Vector256.Exp of float32 computes in float64, twice the work): 0 below −87.3 (where e^x would be
    /// subnormal), +∞ above 88 (e^88 … e^88.72 are finite floats, but the logistic and the Gaussian tail it serves do not tell them from +∞).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(Lowest)), Vector256.Create(88.0f));
        Vector256<float> k = Vector256.Round(clamped * Vector256.Create(1.44269504088896341f));
        Vector256<float> r = clamped - (k * Vector256.Create(0.693359375f)) - (k * Vector256.Create(-2.12194440e-4f));
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(5.0000001201e-1f));
        p = (p * (r * r)) + r + Vector256<float>.One;
        Vector256<float> scale = Vector256.ShiftLeft(Integers(k) + Vector256.Create(127), 23).AsSingle();
        Vector256<float> result = p * scale;
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Lowest)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(88.0f)), Vector256.Create(float.PositiveInfinity), result);
    }

    /// <summary>The lowest argument of <see cref="Exp"/> whose result is a normal float32 (e^−87.3 ≈ 1.2·10⁻³⁸).</summary>
    private const float Lowest = -87.3f;

    /// <summary>
    /// ln x of positive normal float32 values (Cephes' logf: x = m·2^e with m in [√½, √2), ln m by a degree-9 polynomial
    /// in m − 1, within about 1 ulp; .NET's Vector256.Log is a call that spills every live vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Log(Vector256<float> x)
    {
        Vector256<int> bits = x.AsInt32();
        Vector256<float> exponent = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(126));
        Vector256<float> m = ((bits & Vector256.Create(unchecked((int)0x807FFFFF))) | Vector256.Create(0x3F000000)).AsSingle(); // [½, 1)
        Vector256<float> small = Vector256.LessThan(m, Vector256.Create(0.707106781186547524f));
        exponent -= Vector256.ConditionalSelect(small, Vector256<float>.One, Vector256<float>.Zero);
        m = m + Vector256.ConditionalSelect(small, m, Vector256<float>.Zero) - Vector256<float>.One;
        Vector256<float> z = m * m;
        Vector256<float> p = Vector256.Create(7.0376836292e-2f);
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(-1.1514610310e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(1.1676998740e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(-1.2420140846e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(1.4249322787e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(-1.6668057665e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(2.0000714765e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(-2.4999993993e-1f));
        p = Vector256.MultiplyAddEstimate(p, m, Vector256.Create(3.3333331174e-1f));
        Vector256<float> r = (p * m * z) + (exponent * Vector256.Create(-2.12194440e-4f)) - (z * Vector256.Create(0.5f));
        return m + r + (exponent * Vector256.Create(0.693359375f));
    }

    /// <summary>Integral float32 values as int32 (vcvttps2dq where AVX has it: the values are whole, so truncation is exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Integers(Vector256<float> whole) =>
        Avx.IsSupported ? Avx.ConvertToVector256Int32WithTruncation(whole) : Vector256.ConvertToInt32(whole);

    /// <summary>
    /// Φ(x) = ½·erfc(−x/√2) and the density φ(x), sharing exp(−x²/2): erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) for
    /// z = |x|/√2 ≥ 0, and 2 − erfc(z) for the other sign.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Cdf, Vector256<float> Density) NormalCdf(Vector256<float> x)
    {
        Vector256<float> z = Vector256.Abs(x) * Vector256.Create(InverseSqrt2);
        Vector256<float> t = Vector256<float>.One / (Vector256<float>.One + (Vector256.Create(0.5f) * z));
        Vector256<float> series = Vector256.Create(0.17087277f);
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(-0.82215223f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(1.48851587f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(-1.13520398f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(0.27886807f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(-0.18628806f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(0.09678418f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(0.37409196f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(1.00002368f));
        series = Vector256.MultiplyAddEstimate(t, series, Vector256.Create(-1.26551223f));
        Vector256<float> gauss = Exp(-(z * z));
        Vector256<float> tail = t * gauss * Exp(series); // erfc(z), z ≥ 0
        // Φ(x) = ½·erfc(−x/√2): erfc(z) for x ≤ 0, 2 − erfc(z) for x > 0.
        Vector256<float> cdf = Vector256.Create(0.5f) * Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256.Create(2f) - tail, tail);
        return (cdf, gauss * Vector256.Create(InverseSqrt2Pi));
    }

    /// <summary>Whether the step can read <paramref name="t"/>: none, or float32 on the CPU.</summary>
    internal static bool Takes(Tensor? t) => t is null || (t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU);

    private static void Check(Tensor t, long elements)
    {
        if (!Takes(t) || !t.is_contiguous() || t.numel() != elements)
        {
            throw new ArgumentException($"the step takes contiguous float32 CPU tensors of {elements} elements; got {t.dtype} {TensorData.Shape(t)} on {t.device_type}");
        }
    }

    /// <summary>
    /// The elements of a contiguous float32 CPU tensor, in place (TorchSharp's view of its storage, which stays with the
    /// tensor the caller holds).
    /// </summary>
    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    private readonly record struct Constants(float InverseTemperature, float DistortionWeight, float PerPixel, bool Logistic, bool PerChannel, uint Seed);
}
