namespace Nic.Codec.Entropy;

/// <summary>
/// Builds and checks quantized CDFs: integer cumulative frequencies that start at 0, end at 2^16 and rise
/// strictly, so that no symbol has zero frequency (spec/nic-coding.md §3).
/// </summary>
public static class QuantizedCdf
{
    /// <summary>The precision of every quantized CDF in bits: each CDF ends at 2^16.</summary>
    public const int PrecisionBits = RansConstants.PrecisionBits;

    /// <summary>The largest number of in-range symbols a table with an escape symbol can hold.</summary>
    public const int MaxSymbols = RansConstants.Total - 1;

    /// <summary>
    /// Quantizes a probability mass function over <c>pmf.Length</c> in-range symbols plus one escape symbol
    /// carrying <paramref name="tailMass"/> (the probability of all values outside the table). The result has
    /// <c>pmf.Length + 2</c> entries: 0, the cumulative frequencies, and 2^16; the escape symbol is the last
    /// interval. Every symbol gets a frequency of at least 1; the rounding surplus or deficit is settled one unit
    /// at a time where it costs the fewest bits. The procedure uses only IEEE-754 basic arithmetic, so it gives the
    /// same table on every machine.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidCdf"/> when the pmf is empty, too long, negative, not finite or sums to zero.</exception>
    public static int[] FromPmf(ReadOnlySpan<double> pmf, double tailMass)
    {
        if (pmf.Length == 0 || pmf.Length > MaxSymbols)
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, $"a pmf must have 1..{MaxSymbols} entries, not {pmf.Length}");
        }

        int count = pmf.Length + 1;
        var mass = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            double p = i < pmf.Length ? pmf[i] : tailMass;
            if (!double.IsFinite(p) || p < 0)
            {
                throw new NicCodecException(NicCodecError.InvalidCdf, $"probability {i} is {p}; probabilities must be finite and non-negative");
            }

            mass[i] = p;
            sum += p;
        }

        if (!(sum > 0))
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, "the probabilities sum to zero");
        }

        var freq = new int[count];
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            double scaled = mass[i] / sum * RansConstants.Total;
            freq[i] = (int)Math.Max(1, Math.Round(scaled, MidpointRounding.ToEven));
            total += freq[i];
        }

        SettleTotal(mass, freq, total);

        var cdf = new int[count + 1];
        for (int i = 0; i < count; i++)
        {
            cdf[i + 1] = cdf[i] + freq[i];
        }

        return cdf;
    }

    /// <summary>
    /// Moves frequency units until the frequencies sum to 2^16. Taking a unit from symbol i costs about
    /// p_i / f_i bits per coded symbol and giving one gains about the same, so units are taken from the symbol with
    /// the smallest p_i / (f_i − 1) ratio and given to the one with the largest p_i / f_i (ties: lowest index).
    /// </summary>
    private static void SettleTotal(double[] mass, int[] freq, long total)
    {
        if (total == RansConstants.Total)
        {
            return;
        }

        bool shrink = total > RansConstants.Total;
        long steps = Math.Abs(total - RansConstants.Total);
        var queue = new PriorityQueue<int, (double Priority, int Index)>(freq.Length);
        for (int i = 0; i < freq.Length; i++)
        {
            Enqueue(queue, mass, freq, i, shrink);
        }

        for (long step = 0; step < steps; step++)
        {
            int i = queue.Dequeue();
            freq[i] += shrink ? -1 : 1;
            Enqueue(queue, mass, freq, i, shrink);
        }
    }

    private static void Enqueue(PriorityQueue<int, (double, int)> queue, double[] mass, int[] freq, int i, bool shrink)
    {
        if (shrink)
        {
            if (freq[i] > 1)
            {
                queue.Enqueue(i, (mass[i] / (freq[i] - 1), i));
            }
        }
        else
        {
            queue.Enqueue(i, (-(mass[i] / freq[i]), i));
        }
    }

    /// <summary>
    /// Checks a quantized CDF with an escape symbol as <see cref="QuantizedCdfTables"/> stores it: at least 3 entries
    /// (one in-range symbol and the escape), starting at 0, ending at 2^16, strictly rising.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidCdf"/> naming the first offending entry.</exception>
    public static void Validate(ReadOnlySpan<int> cdf)
    {
        if (cdf.Length < 3 || cdf.Length > RansConstants.Total + 1)
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, $"a CDF with an escape symbol has 3..{RansConstants.Total + 1} entries, not {cdf.Length}");
        }

        if (cdf[0] != 0 || cdf[^1] != RansConstants.Total)
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, $"a CDF must start at 0 and end at {RansConstants.Total}, not {cdf[0]} and {cdf[^1]}");
        }

        for (int i = 1; i < cdf.Length; i++)
        {
            if (cdf[i] <= cdf[i - 1])
            {
                throw new NicCodecException(NicCodecError.InvalidCdf, $"entry {i} ({cdf[i]}) does not exceed entry {i - 1} ({cdf[i - 1]}): symbol {i - 1} would have no frequency");
            }
        }
    }
}
