namespace Nic.Codec.Entropy;

/// <summary>
/// The standard normal distribution's CDF and quantile in double precision, for building Gaussian tables.
/// Tables built from these are frozen into model files; a decoder never recomputes them.
/// </summary>
public static class StandardNormal
{
    private const double InverseSqrtPi = 0.56418958354775628695;

    /// <summary>Φ(x), accurate in relative terms far into both tails.</summary>
    public static double Cdf(double x) => x < 0 ? 0.5 * Erfc(-x / Math.Sqrt(2)) : 1 - 0.5 * Erfc(x / Math.Sqrt(2));

    /// <summary>The complementary error function for x ≥ 0.</summary>
    public static double Erfc(double x)
    {
        if (x < 2)
        {
            // erf by its Maclaurin series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }

            return 1 - 2 * InverseSqrtPi * sum;
        }

        // Laplace's continued fraction erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated
        // from the tail inwards.
        double fraction = x;
        for (int k = 120; k >= 1; k--)
        {
            fraction = x + k / 2.0 / fraction;
        }

        return Math.Exp(-x * x) * InverseSqrtPi / fraction;
    }

    /// <summary>The quantile Φ⁻¹(p) for 0 &lt; p &lt; 1, by bisection on <see cref="Cdf"/> (exact to double precision).</summary>
    public static double Quantile(double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        double lo = -40, hi = 40;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * Math.Max(1, Math.Abs(lo)); i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(mid) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }
}
