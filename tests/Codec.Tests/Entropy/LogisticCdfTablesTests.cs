using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

/// <summary>The logistic Gaussian-conditional tables (spec/nic-coding.md §6.2).</summary>
public class LogisticCdfTablesTests
{
    [Fact]
    public void TheUnitDeviationTableHoldsTheLogisticMasses()
    {
        QuantizedCdfTables tables = LogisticCdfTables.Create([1.0]);
        ReadOnlySpan<int> cdf = tables.GetCdf(0);
        int zero = -tables.GetOffset(0);

        // Scale s = √3/π = 0.5513: P(|X| < ½) = 2F(0.9069) − 1 = 0.42473 and P(½ < X < 1½) = F(2.7207) − F(0.9069) = 0.22587: 27835 and 14803 of 65536.
        // Quantization (§3.1) gives each of the 25 symbols and the escape at least 1, taken from the large masses.
        Assert.InRange(cdf[zero + 1] - cdf[zero], 27835 - 10, 27835);
        Assert.InRange(cdf[zero + 2] - cdf[zero + 1], 14803 - 10, 14803);
    }

    [Fact]
    public void TheLogisticReachesFurtherThanTheGaussianOfTheSameDeviation()
    {
        double[] scales = GaussianCdfTables.LogSpacedScales();
        QuantizedCdfTables logistic = LogisticCdfTables.Create(scales);
        QuantizedCdfTables gaussian = GaussianCdfTables.Create(scales);
        Assert.Equal(gaussian.Count, logistic.Count);
        for (int t = 0; t < scales.Length; t++)
        {
            // Centre ⌈s · ln(2/τ − 1)⌉ with s = σ√3/π, against ⌈σ · 6.1094⌉.
            int centre = (int)Math.Ceiling(scales[t] * Math.Sqrt(3) / Math.PI * Math.Log((2 / 1e-9) - 1));
            Assert.Equal(-centre, logistic.GetOffset(t));
            Assert.True(logistic.SymbolCount(t) >= gaussian.SymbolCount(t));
        }
    }

    [Fact]
    public void ScalesAreTheLogisticsOwnWhenGivenDirectly()
    {
        QuantizedCdfTables direct = LogisticCdfTables.FromLogisticScales([Math.Sqrt(3) / Math.PI]);
        QuantizedCdfTables fromDeviation = LogisticCdfTables.Create([1.0]);
        Assert.Equal(fromDeviation.GetCdf(0).ToArray(), direct.GetCdf(0).ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(40000.0)]
    public void ScalesThatMakeNoTableAreRefused(double sigma) =>
        Assert.ThrowsAny<ArgumentException>(() => LogisticCdfTables.Create([sigma]));
}
