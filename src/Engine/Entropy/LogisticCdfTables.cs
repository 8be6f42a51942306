namespace Nic.Codec.Entropy;

/// <summary>
/// Builds indexed CDF tables of zero-centred logistic distributions integrated over unit bins, with the mass beyond
/// ±(centre + ½) as the escape (spec/nic-coding.md §6.2): the logistic Gaussian-conditional tables of a model whose
/// metadata says <c>conditional</c> = <c>logistic</c>, and the priors of <c>tfc-mnist</c> (spec/nic-model.md §6.3).
/// </summary>
public static class LogisticCdfTables
{
    /// <summary>
    /// One table per standard deviation σ of a scale table (the logistic of scale s = σ·√3/π, whose standard deviation
    /// is σ), so that a σ selects the same table index as for the Gaussian tables (spec/nic-coding.md §6.1).
    /// </summary>
    /// <exception cref="ArgumentException">A scale is not positive and finite, or needs more symbols than a table holds.</exception>
    public static QuantizedCdfTables Create(ReadOnlySpan<double> standardDeviations, double tailMass = GaussianCdfTables.DefaultTailMass)
    {
        var scales = new double[standardDeviations.Length];
        for (int t = 0; t < scales.Length; t++)
        {
            scales[t] = standardDeviations[t] * (Math.Sqrt(3) / Math.PI);
        }

        return FromLogisticScales(scales, tailMass);
    }

    /// <summary>
    /// One table per logistic scale s: value k has mass F((k + ½)/s) − F((k − ½)/s) with F(x) = 1/(1 + e^−x), for
    /// |k| ≤ c = ⌈s · ln(2/τ − 1)⌉; the escape carries 2·F((−½ − c)/s).
    /// </summary>
    /// <exception cref="ArgumentException">A scale is not positive and finite, or needs more symbols than a table holds.</exception>
    public static QuantizedCdfTables FromLogisticScales(ReadOnlySpan<double> scales, double tailMass = GaussianCdfTables.DefaultTailMass)
    {
        if (scales.Length == 0)
        {
            throw new ArgumentException("at least one scale is needed", nameof(scales));
        }

        if (!(tailMass > 0 && tailMass < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(tailMass), tailMass, "the tail mass must lie strictly between 0 and 1");
        }

        double reach = Math.Log((2 / tailMass) - 1);
        var pmfs = new double[scales.Length][];
        var tails = new double[scales.Length];
        var offsets = new int[scales.Length];
        for (int t = 0; t < scales.Length; t++)
        {
            double s = scales[t];
            if (!(s > 0) || !double.IsFinite(s))
            {
                throw new ArgumentException($"scale {t} is {s}; scales must be positive and finite", nameof(scales));
            }

            int centre = (int)Math.Ceiling(s * reach);
            if (2L * centre + 1 > QuantizedCdf.MaxSymbols)
            {
                throw new ArgumentException($"scale {s} needs {2L * centre + 1} symbols; at most {QuantizedCdf.MaxSymbols} fit a 16-bit table", nameof(scales));
            }

            var pmf = new double[(2 * centre) + 1];
            for (int k = 0; k <= centre; k++)
            {
                // The lower side, where both terms are small and keep their relative precision.
                double p = Logistic((0.5 - k) / s) - Logistic((-0.5 - k) / s);
                pmf[centre - k] = p;
                pmf[centre + k] = p;
            }

            pmfs[t] = pmf;
            tails[t] = 2 * Logistic((-0.5 - centre) / s);
            offsets[t] = -centre;
        }

        return QuantizedCdfTables.FromPmfs(pmfs, tails, offsets);
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));
}
