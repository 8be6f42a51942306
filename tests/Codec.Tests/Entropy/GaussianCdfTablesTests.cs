using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

public class GaussianCdfTablesTests
{
    [Fact]
    public void TheDefaultScaleTableIsLogSpacedFrom011To256()
    {
        double[] scales = GaussianCdfTables.LogSpacedScales();
        Assert.Equal(64, scales.Length);
        Assert.Equal(0.11, scales[0]);
        Assert.Equal(256, scales[^1]);
        double ratio = scales[1] / scales[0];
        for (int i = 1; i < scales.Length; i++)
        {
            Assert.Equal(ratio, scales[i] / scales[i - 1], 9);
        }
    }

    [Fact]
    public void TablesCoverTheCentreAndAreSymmetric()
    {
        QuantizedCdfTables tables = TestTables.Gaussian64;
        double multiplier = 6.1094; // Φ⁻¹(1 − 0.5e-9)
        for (int t = 0; t < tables.Count; t++)
        {
            int centre = (int)Math.Ceiling(TestTables.Scales[t] * multiplier);
            Assert.InRange(-tables.GetOffset(t), centre - 1, centre);
            ReadOnlySpan<int> cdf = tables.GetCdf(t);
            int n = tables.SymbolCount(t);
            Assert.Equal(2 * -tables.GetOffset(t) + 1, n);
            for (int k = 0; k < n / 2; k++)
            {
                // Mirror values have equal masses; settling the rounding surplus may move one unit on one side only.
                Assert.InRange(cdf[k + 1] - cdf[k] - (cdf[n - k] - cdf[n - k - 1]), -1, 1);
            }
        }

        Assert.Equal(3, tables.SymbolCount(0));
    }

    [Fact]
    public void TheUnitScaleTableMatchesTheGaussianMasses()
    {
        QuantizedCdfTables tables = GaussianCdfTables.Create([1.0]);
        ReadOnlySpan<int> cdf = tables.GetCdf(0);
        int zero = -tables.GetOffset(0);
        // P(|X| < 0.5) = 0.38292492254802624 and P(0.5 < X < 1.5) = 0.24173033745712885 for X ~ N(0, 1).
        Assert.InRange(cdf[zero + 1] - cdf[zero], 25095 - 2, 25095 + 2);
        Assert.InRange(cdf[zero + 2] - cdf[zero + 1], 15842 - 2, 15842 + 2);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.157299207050285130658)]
    [InlineData(2.5, 0.000406952017444958939)]
    [InlineData(5.0, 1.53745979442803485e-12)]
    [InlineData(10.0, 2.08848758376254476e-45)]
    public void ErfcIsAccurateInRelativeTerms(double x, double expected)
    {
        double actual = StandardNormal.Erfc(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * expected, $"erfc({x}) = {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void TheQuantileInvertsTheCdf()
    {
        Assert.Equal(-1.959963984540054, StandardNormal.Quantile(0.025), 12);
        Assert.Equal(-6.109410204869, StandardNormal.Quantile(0.5e-9), 9);
    }
}
