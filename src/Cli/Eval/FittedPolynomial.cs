namespace Nic.Cli.Eval;

/// <summary>
/// A polynomial fitted by least squares to sample points, kept in the normalized variable u = (x − centre) / halfWidth,
/// which maps the samples' x range onto [−1, 1]: in that variable the design matrix is well conditioned, where raw
/// powers of PSNR values near 40 dB would not be.
/// </summary>
internal sealed class FittedPolynomial
{
    private readonly double[] _coefficients;
    private readonly double _centre;
    private readonly double _halfWidth;

    private FittedPolynomial(double[] coefficients, double centre, double halfWidth)
    {
        _coefficients = coefficients;
        _centre = centre;
        _halfWidth = halfWidth;
    }

    /// <summary>The degree of the polynomial.</summary>
    public int Degree => _coefficients.Length - 1;

    /// <summary>
    /// Fits a polynomial of degree <paramref name="degree"/> to the points (x, y) by least squares, solved with a
    /// Householder QR factorization of the normalized Vandermonde matrix.
    /// </summary>
    /// <exception cref="ArgumentException">There are fewer distinct x values than <paramref name="degree"/> + 1.</exception>
    public static FittedPolynomial Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{x.Count} x values and {y.Count} y values", nameof(y));
        }

        if (CountDistinct(x) < degree + 1)
        {
            throw new ArgumentException($"a degree-{degree} fit needs {degree + 1} distinct x values, not {CountDistinct(x)}", nameof(x));
        }

        double min = x.Min();
        double max = x.Max();
        double centre = 0.5 * (min + max);
        double halfWidth = max > min ? 0.5 * (max - min) : 1.0;
        int rows = x.Count;
        int columns = degree + 1;
        var augmented = new double[rows, columns + 1];
        for (int i = 0; i < rows; i++)
        {
            double u = (x[i] - centre) / halfWidth;
            double power = 1;
            for (int j = 0; j < columns; j++)
            {
                augmented[i, j] = power;
                power *= u;
            }

            augmented[i, columns] = y[i];
        }

        return new FittedPolynomial(SolveLeastSquares(augmented), centre, halfWidth);
    }

    /// <summary>The value at <paramref name="x"/>.</summary>
    public double Evaluate(double x)
    {
        double u = (x - _centre) / _halfWidth;
        double value = 0;
        for (int k = _coefficients.Length - 1; k >= 0; k--)
        {
            value = value * u + _coefficients[k];
        }

        return value;
    }

    /// <summary>The exact integral from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public double Integrate(double from, double to) => _halfWidth * (Antiderivative((to - _centre) / _halfWidth) - Antiderivative((from - _centre) / _halfWidth));

    private double Antiderivative(double u)
    {
        // Σ c_k u^(k+1) / (k+1), by Horner's rule on the coefficients c_k / (k+1), times u.
        double value = 0;
        for (int k = _coefficients.Length - 1; k >= 0; k--)
        {
            value = value * u + _coefficients[k] / (k + 1);
        }

        return value * u;
    }

    private static int CountDistinct(IReadOnlyList<double> values) => values.Distinct().Count();

    /// <summary>
    /// Minimizes ‖A·c − b‖ over c for the augmented matrix [A | b] (b in the last column, A of full column rank),
    /// which is overwritten: reflections make A upper triangular (R) and turn b into Qᵀb.
    /// </summary>
    private static double[] SolveLeastSquares(double[,] augmented)
    {
        int rows = augmented.GetLength(0);
        int columns = augmented.GetLength(1) - 1;
        var v = new double[rows];
        for (int k = 0; k < columns; k++)
        {
            // The Householder reflection I − 2vvᵀ/(vᵀv) that zeroes column k below the diagonal.
            double norm = 0;
            for (int i = k; i < rows; i++)
            {
                norm += augmented[i, k] * augmented[i, k];
            }

            norm = Math.Sqrt(norm);
            double alpha = augmented[k, k] > 0 ? -norm : norm;
            double vNormSquared = 0;
            for (int i = k; i < rows; i++)
            {
                v[i] = augmented[i, k] - (i == k ? alpha : 0);
                vNormSquared += v[i] * v[i];
            }

            if (vNormSquared == 0)
            {
                continue;
            }

            for (int j = k; j <= columns; j++)
            {
                double dot = 0;
                for (int i = k; i < rows; i++)
                {
                    dot += v[i] * augmented[i, j];
                }

                double factor = 2 * dot / vNormSquared;
                for (int i = k; i < rows; i++)
                {
                    augmented[i, j] -= factor * v[i];
                }
            }
        }

        // Back substitution in R against the first entries of Qᵀb.
        var c = new double[columns];
        for (int k = columns - 1; k >= 0; k--)
        {
            double sum = augmented[k, columns];
            for (int j = k + 1; j < columns; j++)
            {
                sum -= augmented[k, j] * c[j];
            }

            c[k] = sum / augmented[k, k];
        }

        return c;
    }
}
