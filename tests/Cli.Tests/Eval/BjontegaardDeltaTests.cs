using CsCheck;
using Nic.Cli.Eval;

namespace Nic.Cli.Tests.Eval;

public sealed class BjontegaardDeltaTests
{
    private static readonly RdPoint[] Anchor = [new(0.12, 28.1), new(0.31, 31.0), new(0.66, 34.2), new(1.40, 37.5)];

    [Fact]
    public void TestNeedingFourFifthsOfTheBitsIsMinusTwentyPercent()
    {
        // Same PSNRs, every rate × 0.8: log10(bpp) of the test is log10(bpp) of the anchor + log10(0.8) at each of the
        // four points, so the two exact cubics differ by the constant log10(0.8) over the whole shared range
        // [28.1, 37.5]. The mean difference is d = log10(0.8), and (10^d − 1)·100 = (0.8 − 1)·100 = −20 %.
        RdPoint[] test = [.. Anchor.Select(p => p with { Bpp = p.Bpp * 0.8 })];

        Assert.Equal(-20.0, BjontegaardDelta.Rate(Anchor, test)!.Value, 9);
    }

    [Fact]
    public void LinearCurvesOverPartlyOverlappingRangesMatchTheHandComputedIntegral()
    {
        // Anchor: log10(bpp) = (PSNR − 30) / 10 at PSNR 30, 32, 34, 36.
        // Test:   log10(bpp) = (PSNR − 31) / 8  at PSNR 32, 34, 36, 38, 40.
        // Cubic fits of exact straight lines are the lines themselves. The PSNR ranges overlap on [32, 36], where
        //   test − anchor = (PSNR − 31)/8 − (PSNR − 30)/10 = (10·PSNR − 310 − 8·PSNR + 240)/80 = (PSNR − 35)/40.
        // A linear function's mean over an interval is its value at the midpoint, PSNR 34: d = (34 − 35)/40 = −0.025,
        // so BD-rate = (10^−0.025 − 1)·100 ≈ −5.594 %.
        RdPoint[] anchor = [.. new[] { 30.0, 32, 34, 36 }.Select(p => new RdPoint(Math.Pow(10, (p - 30) / 10), p))];
        RdPoint[] test = [.. new[] { 32.0, 34, 36, 38, 40 }.Select(p => new RdPoint(Math.Pow(10, (p - 31) / 8), p))];

        double rate = BjontegaardDelta.Rate(anchor, test)!.Value;

        Assert.Equal((Math.Pow(10, -0.025) - 1) * 100, rate, 9);
        Assert.Equal(-5.594, rate, 3);
    }

    [Fact]
    public void LinearCurvesGiveTheHandComputedPsnrGap()
    {
        // The same two curves seen as PSNR over r = log10(bpp):
        //   anchor PSNR = 30 + 10·r for r in [0, 0.6];  test PSNR = 31 + 8·r for r in [1/8, 9/8].
        // Overlap r ∈ [0.125, 0.6]; test − anchor = 1 − 2·r, whose mean is its value at the midpoint r = 0.3625:
        //   1 − 0.725 = 0.275 dB.
        RdPoint[] anchor = [.. new[] { 30.0, 32, 34, 36 }.Select(p => new RdPoint(Math.Pow(10, (p - 30) / 10), p))];
        RdPoint[] test = [.. new[] { 32.0, 34, 36, 38, 40 }.Select(p => new RdPoint(Math.Pow(10, (p - 31) / 8), p))];

        Assert.Equal(0.275, BjontegaardDelta.Psnr(anchor, test)!.Value, 9);
    }

    [Fact]
    public void PsnrGapOfAConstantShiftIsTheShift()
    {
        // Every PSNR + 0.7 dB at the same rates: the exact cubics in log-rate differ by 0.7 everywhere.
        RdPoint[] test = [.. Anchor.Select(p => p with { PsnrDb = p.PsnrDb + 0.7 })];

        Assert.Equal(0.7, BjontegaardDelta.Psnr(Anchor, test)!.Value, 9);
    }

    [Fact]
    public void NoisyCurvesMatchAnExactRationalLeastSquaresFit()
    {
        // Six and seven points that no cubic passes through, so the least-squares step matters. The expected values
        // come from solving the cubic normal equations in exact rational arithmetic (the same double inputs, no
        // rounding until the end) and integrating the polynomials exactly over PSNR [27.80, 36.71] and over
        // log10(bpp) [log10 0.094, log10 1.236].
        RdPoint[] anchor = [new(0.094, 27.42), new(0.171, 29.10), new(0.305, 31.05), new(0.512, 33.01), new(0.806, 34.88), new(1.236, 36.71)];
        RdPoint[] test = [new(0.081, 27.80), new(0.150, 29.66), new(0.262, 31.49), new(0.441, 33.42), new(0.702, 35.20), new(1.09, 37.02), new(1.61, 38.55)];

        Assert.Equal(-22.99093576186021, BjontegaardDelta.Rate(anchor, test)!.Value, 9);
        Assert.Equal(0.9330433785873056, BjontegaardDelta.Psnr(anchor, test)!.Value, 9);
    }

    [Fact]
    public void SwappingTheCurvesInvertsTheRateRatio()
    {
        // Rate(a, b) = x % and Rate(b, a) = y % come from mean log gaps d and −d over the same interval with the same
        // fits, so (1 + x/100)(1 + y/100) = 10^d · 10^−d = 1, whatever the curves.
        Gen.Select(CurveGen, CurveGen).Sample((a, b) =>
        {
            double? x = BjontegaardDelta.Rate(a, b);
            double? y = BjontegaardDelta.Rate(b, a);
            Assert.Equal(x.HasValue, y.HasValue);
            if (x is { } forward && y is { } backward)
            {
                Assert.Equal(1.0, (1 + forward / 100) * (1 + backward / 100), 9);
            }
        });
    }

    [Fact]
    public void SwappingTheCurvesNegatesThePsnrGap()
    {
        Gen.Select(CurveGen, CurveGen).Sample((a, b) =>
        {
            double? x = BjontegaardDelta.Psnr(a, b);
            double? y = BjontegaardDelta.Psnr(b, a);
            Assert.Equal(x.HasValue, y.HasValue);
            if (x is { } forward && y is { } backward)
            {
                Assert.Equal(0.0, forward + backward, 9);
            }
        });
    }

    [Fact]
    public void IdenticalCurvesHaveNoGap()
    {
        Assert.Equal(0.0, BjontegaardDelta.Rate(Anchor, Anchor)!.Value, 12);
        Assert.Equal(0.0, BjontegaardDelta.Psnr(Anchor, Anchor)!.Value, 12);
    }

    [Fact]
    public void NonOverlappingRangesGiveNull()
    {
        RdPoint[] higher = [new(2.0, 40.0), new(3.0, 42.0), new(4.5, 45.0)];

        Assert.Null(BjontegaardDelta.Rate(Anchor, higher));
        Assert.Null(BjontegaardDelta.Psnr(Anchor, higher));
    }

    [Fact]
    public void RangesThatOnlyTouchGiveNull()
    {
        RdPoint[] touching = [new(1.40, 37.5), new(2.5, 40.0)];

        Assert.Null(BjontegaardDelta.Rate(Anchor, touching));
        Assert.Null(BjontegaardDelta.Psnr(Anchor, touching));
    }

    [Fact]
    public void FewerThanTwoPointsGiveNull()
    {
        Assert.Null(BjontegaardDelta.Rate(Anchor, []));
        Assert.Null(BjontegaardDelta.Rate([new RdPoint(0.5, 33)], Anchor));
        Assert.Null(BjontegaardDelta.Psnr(Anchor, [new RdPoint(0.5, 33)]));
    }

    [Fact]
    public void NonFinitePointsAreIgnored()
    {
        RdPoint[] test = [.. Anchor.Select(p => p with { Bpp = p.Bpp * 0.8 })];
        RdPoint[] noisy = [.. test, new(double.NaN, 30), new(0.5, double.PositiveInfinity), new(0, 31), new(double.PositiveInfinity, 35)];

        Assert.Equal(-20.0, BjontegaardDelta.Rate(Anchor, noisy)!.Value, 9);
        Assert.Null(BjontegaardDelta.Rate(Anchor, [new(0.4, 33), new(double.NaN, 35), new(0.6, double.NaN)]));
    }

    [Fact]
    public void TwoPointCurvesAreFittedWithLines()
    {
        // Two points per curve: straight lines in (PSNR, log10 bpp). Anchor log10(bpp) runs from −1 at 30 dB to 0 at
        // 40 dB, the test from −1.2 to −0.2 over the same range: a constant gap of −0.2, so (10^−0.2 − 1)·100.
        RdPoint[] anchor = [new(0.1, 30), new(1.0, 40)];
        RdPoint[] test = [new(Math.Pow(10, -1.2), 30), new(Math.Pow(10, -0.2), 40)];

        Assert.Equal((Math.Pow(10, -0.2) - 1) * 100, BjontegaardDelta.Rate(anchor, test)!.Value, 9);
    }

    [Fact]
    public void RepeatedPsnrValuesCountOnceForTheDegree()
    {
        // Three points but two distinct PSNRs: a line through (30, mean of −1 and −0.9) and (40, 0).
        RdPoint[] anchor = [new(0.1, 30), new(Math.Pow(10, -0.9), 30), new(1.0, 40)];
        RdPoint[] test = [new(Math.Pow(10, -0.95), 30), new(1.0, 40)];

        Assert.Equal(0.0, BjontegaardDelta.Rate(anchor, test)!.Value, 9);
    }

    /// <summary>Monotone RD curves of 2 to 8 points: PSNR in 25–45 dB rising with rate in 0.05–3 bpp.</summary>
    private static readonly Gen<RdPoint[]> CurveGen =
        Gen.Select(Gen.Double[25, 30], Gen.Double[0.5, 3].Array[1, 7], Gen.Double[-1.3, -0.3], Gen.Double[0.02, 0.15])
            .Select((start, steps, logRate, slope) =>
            {
                var points = new RdPoint[steps.Length + 1];
                double psnr = start;
                points[0] = new RdPoint(Math.Pow(10, logRate), psnr);
                for (int i = 0; i < steps.Length; i++)
                {
                    psnr += steps[i];
                    logRate += slope * steps[i];
                    points[i + 1] = new RdPoint(Math.Pow(10, logRate), psnr);
                }

                return points;
            });
}
