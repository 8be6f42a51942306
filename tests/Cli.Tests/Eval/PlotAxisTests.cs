using Nic.Cli.Eval;

namespace Nic.Cli.Tests.Eval;

public sealed class PlotAxisTests
{
    [Theory]
    // 27.5–37.9 with 3 % margins is 27.188–38.212; a sixth of that span, 1.84, rounds up to the step 2: ticks 26, 28, …, 40.
    [InlineData(27.5, 37.9, 6, 26.0, 40.0, 2.0)]
    // 0.12–1.9 with margins spans 1.8868; an eighth, 0.236, rounds up to 0.25; 0.0666 floors to 0, 1.9534 ceils to 2.
    [InlineData(0.12, 1.9, 8, 0.0, 2.0, 0.25)]
    // 0.031–0.074 with margins spans 0.04558; an eighth, 0.0057, rounds up to 0.01: 0.02 to 0.08.
    [InlineData(0.031, 0.074, 8, 0.02, 0.08, 0.01)]
    public void TicksAreRoundAndCoverTheData(double dataMin, double dataMax, int targetTicks, double min, double max, double step)
    {
        PlotAxis axis = PlotAxis.Cover(dataMin, dataMax, targetTicks);

        Assert.Equal(min, axis.Min, 12);
        Assert.Equal(max, axis.Max, 12);
        Assert.Equal(step, axis.Step, 12);
        Assert.Equal(axis.Min, axis.Ticks[0]);
        Assert.Equal(axis.Max, axis.Ticks[^1], 12);
    }

    [Fact]
    public void TickLabelsShowTheStepsDecimals()
    {
        PlotAxis quarters = PlotAxis.Cover(0.12, 1.9, 8);
        PlotAxis whole = PlotAxis.Cover(27.5, 37.9, 6);

        Assert.Equal(["0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50", "1.75", "2.00"], quarters.Ticks.Select(quarters.Format));
        Assert.Equal(["26", "28", "30", "32", "34", "36", "38", "40"], whole.Ticks.Select(whole.Format));
    }

    [Fact]
    public void ALowestStartKeepsTheAxisFromGoingBelowIt()
    {
        // Without the bound the 3 % margin below 0.028 reaches −0.04 and the axis would start at −0.2.
        Assert.True(PlotAxis.Cover(0.028, 1.44, 8).Min < 0);
        PlotAxis rate = PlotAxis.Cover(0.028, 1.44, 8, lowestStart: 0);

        Assert.Equal(0, rate.Min);
        Assert.Equal("0.0", rate.Format(rate.Ticks[0]));
    }

    [Fact]
    public void ASingleValueGetsASpanAroundIt()
    {
        PlotAxis axis = PlotAxis.Cover(32, 32, 6);

        Assert.True(axis.Min < 32 && axis.Max > 32);
        Assert.InRange(axis.Ticks.Count, 3, 12);
    }

    [Fact]
    public void NonFiniteOrReversedRangesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PlotAxis.Cover(double.NaN, 1, 6));
        Assert.Throws<ArgumentException>(() => PlotAxis.Cover(0, double.PositiveInfinity, 6));
        Assert.Throws<ArgumentException>(() => PlotAxis.Cover(2, 1, 6));
    }
}
