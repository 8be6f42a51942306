using System.Globalization;

namespace Nic.Cli.Eval;

/// <summary>
/// A linear plot axis with round tick values: the step is 1, 2, 2.5 or 5 times a power of ten, and the axis runs from
/// the last tick at or below the data to the first tick at or above it.
/// </summary>
internal sealed class PlotAxis
{
    private static readonly double[] StepMantissas = [1, 2, 2.5, 5, 10];

    private PlotAxis(double min, double max, double step)
    {
        Min = min;
        Max = max;
        Step = step;
        int count = (int)Math.Round((max - min) / step) + 1;
        var ticks = new double[count];
        for (int i = 0; i < count; i++)
        {
            double tick = min + i * step;
            // Snaps values such as 0.30000000000000004 and −0 to the round number they stand for.
            ticks[i] = Math.Abs(tick) < step * 1e-9 ? 0 : Math.Round(tick, Decimals);
        }

        Ticks = ticks;
    }

    /// <summary>The value at the start of the axis (the first tick).</summary>
    public double Min { get; }

    /// <summary>The value at the end of the axis (the last tick).</summary>
    public double Max { get; }

    /// <summary>The distance between ticks.</summary>
    public double Step { get; }

    /// <summary>The tick values, from <see cref="Min"/> to <see cref="Max"/>.</summary>
    public IReadOnlyList<double> Ticks { get; }

    /// <summary>The decimals that tick labels need to show the step exactly.</summary>
    public int Decimals => DecimalsOf(Step);

    /// <summary>
    /// An axis covering <paramref name="dataMin"/> to <paramref name="dataMax"/> with a margin of 3 % of the span on each
    /// side and about <paramref name="targetTickCount"/> intervals; a single value gets a span of its own. The axis does
    /// not start below <paramref name="lowestStart"/> (a round number) when the data do not: a rate axis stops at 0.
    /// </summary>
    public static PlotAxis Cover(double dataMin, double dataMax, int targetTickCount, double lowestStart = double.NegativeInfinity)
    {
        if (!double.IsFinite(dataMin) || !double.IsFinite(dataMax) || dataMin > dataMax)
        {
            throw new ArgumentException($"cannot make an axis for the range [{dataMin}, {dataMax}]");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(targetTickCount, 1);
        double floor = dataMin >= lowestStart ? lowestStart : double.NegativeInfinity;
        double span = dataMax - dataMin;
        if (span <= Math.Abs(dataMax) * 1e-9)
        {
            span = dataMin == 0 ? 1 : Math.Abs(dataMin) * 0.1;
            dataMin = Math.Max(floor, dataMin - span / 2);
            dataMax += span / 2;
        }

        double low = Math.Max(floor, dataMin - 0.03 * span);
        double high = dataMax + 0.03 * span;
        double step = RoundStep((high - low) / targetTickCount);
        double min = Math.Max(Math.Floor(low / step) * step, floor);
        double max = Math.Ceiling(high / step) * step;
        return new PlotAxis(min, max, step);
    }

    /// <summary>Where <paramref name="value"/> lies along the axis: 0 at <see cref="Min"/>, 1 at <see cref="Max"/>.</summary>
    public double Fraction(double value) => (value - Min) / (Max - Min);

    /// <summary>The label of a tick, with <see cref="Decimals"/> decimals.</summary>
    public string Format(double tick) => tick.ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The smallest step of the form {1, 2, 2.5, 5} × 10^k that is at least <paramref name="rough"/>.</summary>
    private static double RoundStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (double mantissa in StepMantissas)
        {
            if (mantissa * power >= rough * (1 - 1e-12))
            {
                return mantissa * power;
            }
        }

        return 10 * power;
    }

    private static int DecimalsOf(double step)
    {
        for (int decimals = 0; decimals < 12; decimals++)
        {
            double scaled = step * Math.Pow(10, decimals);
            if (Math.Abs(scaled - Math.Round(scaled)) < 1e-6 * Math.Max(1, scaled))
            {
                return decimals;
            }
        }

        return 12;
    }
}
