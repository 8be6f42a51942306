namespace Nic.Cli.Eval;

/// <summary>
/// Bjøntegaard delta metrics (VCEG-M33): the average gap between two rate–distortion curves. Each curve is fitted by
/// least squares with a cubic (a lower degree when it has fewer than four distinct points), the fits are integrated
/// exactly over the range both curves cover, and the mean difference is reported. Points with a non-finite PSNR or a
/// rate whose logarithm is not finite (zero, negative, infinite, NaN) are ignored.
/// </summary>
internal static class BjontegaardDelta
{
    /// <summary>The highest degree of the fitted polynomials.</summary>
    public const int MaxDegree = 3;

    /// <summary>
    /// BD-rate in percent: the average rate difference of <paramref name="test"/> against <paramref name="anchor"/> at
    /// equal PSNR, negative when the test curve needs fewer bits. log10(bpp) is fitted as a polynomial in PSNR and the
    /// mean difference d (test − anchor) over the common PSNR interval gives (10^d − 1)·100.
    /// </summary>
    /// <returns>Null when a curve has fewer than two distinct usable points or the PSNR ranges do not overlap.</returns>
    public static double? Rate(IReadOnlyList<RdPoint> anchor, IReadOnlyList<RdPoint> test)
    {
        double? meanLogRateGap = MeanGap(anchor, test, p => p.PsnrDb, p => Math.Log10(p.Bpp));
        return meanLogRateGap is { } d ? (Math.Pow(10, d) - 1) * 100 : null;
    }

    /// <summary>
    /// BD-PSNR in dB: the average PSNR difference of <paramref name="test"/> against <paramref name="anchor"/> at equal
    /// rate, positive when the test curve has the higher quality. PSNR is fitted as a polynomial in log10(bpp) and the
    /// mean difference (test − anchor) is taken over the common log-rate interval.
    /// </summary>
    /// <returns>Null when a curve has fewer than two distinct usable points or the rate ranges do not overlap.</returns>
    public static double? Psnr(IReadOnlyList<RdPoint> anchor, IReadOnlyList<RdPoint> test) =>
        MeanGap(anchor, test, p => Math.Log10(p.Bpp), p => p.PsnrDb);

    /// <summary>The mean of fit(test) − fit(anchor) over the overlap of both curves' ranges of <paramref name="abscissa"/>.</summary>
    private static double? MeanGap(IReadOnlyList<RdPoint> anchor, IReadOnlyList<RdPoint> test, Func<RdPoint, double> abscissa, Func<RdPoint, double> ordinate)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(test);
        if (Fit(anchor, abscissa, ordinate) is not { } anchorFit || Fit(test, abscissa, ordinate) is not { } testFit)
        {
            return null;
        }

        double low = Math.Max(anchorFit.Low, testFit.Low);
        double high = Math.Min(anchorFit.High, testFit.High);
        if (!(high > low))
        {
            return null;
        }

        double gap = testFit.Polynomial.Integrate(low, high) - anchorFit.Polynomial.Integrate(low, high);
        return gap / (high - low);
    }

    private static (FittedPolynomial Polynomial, double Low, double High)? Fit(IReadOnlyList<RdPoint> curve, Func<RdPoint, double> abscissa, Func<RdPoint, double> ordinate)
    {
        var x = new List<double>(curve.Count);
        var y = new List<double>(curve.Count);
        foreach (RdPoint point in curve)
        {
            double px = abscissa(point);
            double py = ordinate(point);
            if (double.IsFinite(px) && double.IsFinite(py))
            {
                x.Add(px);
                y.Add(py);
            }
        }

        int distinct = x.Distinct().Count();
        if (distinct < 2)
        {
            return null;
        }

        var polynomial = FittedPolynomial.Fit(x, y, Math.Min(MaxDegree, distinct - 1));
        return (polynomial, x.Min(), x.Max());
    }
}
