using System.Runtime.CompilerServices;

namespace Nic.Codec.BitsBack;

/// <summary>
/// The deterministic arithmetic of bits-back coding (spec/nic-coding.md §13.3): exp, the logistic function and the
/// standard normal CDF from IEEE-754 basic operations only (no library exp, which may differ between CPUs), so that
/// every distribution the coder uses is the same on every machine.
/// </summary>
internal static class BitsBackMath
{
    private const double InverseLn2 = 1.4426950408889634;

    // Cody–Waite split of ln 2: Ln2Hi has 32 significant bits, so k · Ln2Hi is exact for |k| < 2^20.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    /// <summary>Φ is tabulated on [−TableRange, TableRange] every 1/TableSteps.</summary>
    private const int TableRange = 10;
    private const int TableSteps = 256;

    private static readonly double[] PhiTable = BuildPhiTable();

    /// <summary>e^x: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series to degree 13 (Horner), times 2^k.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x > 709)
        {
            return double.PositiveInfinity;
        }

        if (x < -745)
        {
            return 0;
        }

        double k = Math.Round(x * InverseLn2);
        double r = (x - (k * Ln2Hi)) - (k * Ln2Lo);
        double p = 1.0 / 6227020800; // 1/13!
        p = (p * r) + (1.0 / 479001600);
        p = (p * r) + (1.0 / 39916800);
        p = (p * r) + (1.0 / 3628800);
        p = (p * r) + (1.0 / 362880);
        p = (p * r) + (1.0 / 40320);
        p = (p * r) + (1.0 / 5040);
        p = (p * r) + (1.0 / 720);
        p = (p * r) + (1.0 / 120);
        p = (p * r) + (1.0 / 24);
        p = (p * r) + (1.0 / 6);
        p = (p * r) + 0.5;
        p = (p * r) + 1;
        p = (p * r) + 1;
        return Math.ScaleB(p, (int)k);
    }

    /// <summary>The logistic function 1 / (1 + e^(−x)).</summary>
    public static double Sigmoid(double x) => 1 / (1 + Exp(-x));

    /// <summary>
    /// Φ(x) exactly as far as double precision allows: erf's Maclaurin series below |x|/√2 = 2, Laplace's continued
    /// fraction for erfc above (the method of <see cref="Entropy.StandardNormal"/>, with <see cref="Exp"/>).
    /// </summary>
    public static double ExactPhi(double x)
    {
        double t = Math.Abs(x) / Math.Sqrt(2);
        double tail = 0.5 * Erfc(t);
        return x < 0 ? tail : 1 - tail;
    }

    /// <summary>
    /// Φ(x) by linear interpolation in a table of <see cref="ExactPhi"/> every 1/256 on [−10, 10] (0 and 1 outside;
    /// error below 5·10⁻⁷), clamped to the cell's ends so that it never decreases.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Phi(double x)
    {
        if (!(x > -TableRange))
        {
            return 0;
        }

        if (x >= TableRange)
        {
            return 1;
        }

        double position = (x + TableRange) * TableSteps;
        int cell = (int)position;
        if (cell >= PhiTable.Length - 1)
        {
            cell = PhiTable.Length - 2;
        }

        double fraction = position - cell;
        double a = PhiTable[cell], b = PhiTable[cell + 1];
        double value = a + ((b - a) * fraction);
        return value < a ? a : value > b ? b : value;
    }

    /// <summary>Φ⁻¹(p) for 0 &lt; p &lt; 1 on the interpolated <see cref="Phi"/>: 64 bisection steps on [−10, 10].</summary>
    public static double PhiInverse(double p)
    {
        double low = -TableRange, high = TableRange;
        for (int i = 0; i < 64; i++)
        {
            double middle = 0.5 * (low + high);
            if (Phi(middle) < p)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return 0.5 * (low + high);
    }

    private static double Erfc(double x)
    {
        const double InverseSqrtPi = 0.56418958354775628695;
        if (x < 2)
        {
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x2 / n;
                sum += term / ((2 * n) + 1);
            }

            return 1 - (2 * InverseSqrtPi * sum);
        }

        double fraction = x;
        for (int k = 120; k >= 1; k--)
        {
            fraction = x + (k / 2.0 / fraction);
        }

        return Exp(-x * x) * InverseSqrtPi / fraction;
    }

    private static double[] BuildPhiTable()
    {
        var table = new double[(2 * TableRange * TableSteps) + 1];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = ExactPhi(-TableRange + ((double)i / TableSteps));
        }

        // The series and the continued fraction meet at |x| = 2√2; force the table to be non-decreasing there.
        for (int i = 1; i < table.Length; i++)
        {
            if (table[i] < table[i - 1])
            {
                table[i] = table[i - 1];
            }
        }

        return table;
    }
}
