namespace Nic.Codec.Entropy;

/// <summary>
/// Builds the indexed CDF tables of a Gaussian conditional: one table per scale σ of a scale table, each the
/// discretized zero-mean Gaussian N(0, σ²) integrated over unit bins, with the mass beyond ±(centre + ½) as the
/// escape (spec/nic-coding.md §6).
/// </summary>
public static class GaussianCdfTables
{
    /// <summary>The default tail mass: the probability left outside each table, 10⁻⁹.</summary>
    public const double DefaultTailMass = 1e-9;

    /// <summary>The default scale-table bounds and size: 64 scales log-spaced from 0.11 to 256.</summary>
    public const double DefaultMinScale = 0.11, DefaultMaxScale = 256;

    /// <summary>The default number of scales.</summary>
    public const int DefaultScaleCount = 64;

    /// <summary>
    /// <paramref name="count"/> scales spaced evenly in log between <paramref name="min"/> and <paramref name="max"/>
    /// (both included), rising.
    /// </summary>
    public static double[] LogSpacedScales(double min = DefaultMinScale, double max = DefaultMaxScale, int count = DefaultScaleCount)
    {
        if (!(min > 0) || !(max > min) || !double.IsFinite(max) || count < 2)
        {
            throw new ArgumentException($"scales need 0 < min < max and count ≥ 2 (got {min}, {max}, {count})");
        }

        var scales = new double[count];
        double logMin = Math.Log(min), step = (Math.Log(max) - logMin) / (count - 1);
        for (int i = 0; i < count; i++)
        {
            scales[i] = i == count - 1 ? max : Math.Exp(logMin + i * step);
        }

        scales[0] = min;
        return scales;
    }

    /// <summary>
    /// Builds one table per scale. The table for σ covers the values −c … c with c = ⌈σ · Φ⁻¹(1 − tailMass/2)⌉;
    /// value k has probability Φ((k + ½)/σ) − Φ((k − ½)/σ), and the escape carries the rest.
    /// </summary>
    public static QuantizedCdfTables Create(ReadOnlySpan<double> scales, double tailMass = DefaultTailMass)
    {
        if (scales.Length == 0)
        {
            throw new ArgumentException("at least one scale is needed", nameof(scales));
        }

        if (!(tailMass > 0 && tailMass < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tailMass), tailMass, "the tail mass must lie strictly between 0 and 1");
        }

        double multiplier = -StandardNormal.Quantile(tailMass / 2);
        var pmfs = new double[scales.Length][];
        var tails = new double[scales.Length];
        var offsets = new int[scales.Length];
        for (int t = 0; t < scales.Length; t++)
        {
            double sigma = scales[t];
            if (!(sigma > 0) || !double.IsFinite(sigma))
            {
                throw new ArgumentException($"scale {t} is {sigma}; scales must be positive and finite", nameof(scales));
            }

            int centre = (int)Math.Ceiling(sigma * multiplier);
            if (2L * centre + 1 > QuantizedCdf.MaxSymbols)
            {
                throw new ArgumentException($"scale {sigma} needs {2L * centre + 1} symbols; at most {QuantizedCdf.MaxSymbols} fit a 16-bit table", nameof(scales));
            }

            var pmf = new double[2 * centre + 1];
            for (int k = 0; k <= centre; k++)
            {
                // Computed on the lower side, where both terms are small and keep their relative precision.
                double p = StandardNormal.Cdf((0.5 - k) / sigma) - StandardNormal.Cdf((-0.5 - k) / sigma);
                pmf[centre - k] = p;
                pmf[centre + k] = p;
            }

            pmfs[t] = pmf;
            tails[t] = 2 * StandardNormal.Cdf((-0.5 - centre) / sigma);
            offsets[t] = -centre;
        }

        return QuantizedCdfTables.FromPmfs(pmfs, tails, offsets);
    }
}
