using Nic.Cli.Eval;

namespace Nic.Cli.Tests.Eval;

public sealed class FittedPolynomialTests
{
    [Fact]
    public void ACubicThroughFourPointsIsRecoveredFarFromTheOrigin()
    {
        // y = 0.002·(x − 40)³ − 0.05·(x − 40)² + 0.3·(x − 40) − 1 sampled at PSNR-like x: raw powers of x near 40 would
        // make the normal equations nearly singular.
        static double Cubic(double x) => 0.002 * Math.Pow(x - 40, 3) - 0.05 * Math.Pow(x - 40, 2) + 0.3 * (x - 40) - 1;
        double[] x = [31.2, 35.0, 41.7, 46.3];

        FittedPolynomial fit = FittedPolynomial.Fit(x, [.. x.Select(Cubic)], 3);

        Assert.Equal(3, fit.Degree);
        foreach (double at in new[] { 31.2, 33.3, 38.8, 44.0, 46.3 })
        {
            Assert.Equal(Cubic(at), fit.Evaluate(at), 10);
        }
    }

    [Fact]
    public void TheIntegralIsExact()
    {
        // y = 3x² − 2x + 1 through three points; ∫ from 1 to 4 = [x³ − x² + x] = (64 − 16 + 4) − (1 − 1 + 1) = 51.
        double[] x = [0, 2, 5];

        FittedPolynomial fit = FittedPolynomial.Fit(x, [.. x.Select(v => 3 * v * v - 2 * v + 1)], 2);

        Assert.Equal(51, fit.Integrate(1, 4), 10);
        Assert.Equal(-51, fit.Integrate(4, 1), 10);
    }

    [Fact]
    public void ALineThroughNoisyPointsIsTheLeastSquaresLine()
    {
        // Points (0, 0), (1, 1), (2, 1), (3, 2): slope = Σ(x − 1.5)(y − 1) / Σ(x − 1.5)² = (1.5 + 0 + 0 + 1.5) / 5 = 0.6,
        // intercept = 1 − 0.6·1.5 = 0.1.
        FittedPolynomial fit = FittedPolynomial.Fit([0.0, 1, 2, 3], [0.0, 1, 1, 2], 1);

        Assert.Equal(0.1, fit.Evaluate(0), 12);
        Assert.Equal(0.7, fit.Evaluate(1), 12);
    }

    [Fact]
    public void TooFewDistinctPointsForTheDegreeAreRefused()
    {
        Assert.Throws<ArgumentException>(() => FittedPolynomial.Fit([1.0, 1, 2], [0.0, 1, 2], 2));
        Assert.Throws<ArgumentException>(() => FittedPolynomial.Fit([1.0, 2], [0.0], 1));
    }
}
