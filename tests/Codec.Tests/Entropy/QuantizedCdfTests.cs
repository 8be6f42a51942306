using CsCheck;
using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

public class QuantizedCdfTests
{
    [Fact]
    public void AHandComputedPmfQuantizesExactly()
    {
        // Rounded: 32768, 16384, 16384 and 1 for the massless escape = 65537. The one surplus unit comes from the
        // symbol where it costs least: p/(f−1) is 0.5/32767 for symbol 0 against 0.25/16383 for symbols 1 and 2.
        Assert.Equal([0, 32767, 49151, 65535, 65536], QuantizedCdf.FromPmf([0.5, 0.25, 0.25], 0));
    }

    [Fact]
    public void ADeficitGoesToTheSymbolThatGainsMost()
    {
        // 1/3 each with no tail: 21845 × 3 + 1 = 65536 already; with a 1e-3 tail the escape gets 66 and the total is 65601.
        int[] cdf = QuantizedCdf.FromPmf([1.0, 1.0, 1.0], 0);
        Assert.Equal([0, 21845, 43690, 65535, 65536], cdf);
    }

    [Fact]
    public void RandomPmfsGiveValidCdfsCloseToTheirProbabilities()
    {
        Gen.Select(Gen.Double[0, 1].Array[1, 3000], Gen.Double[0, 0.01]).Sample((pmf, tail) =>
        {
            if (pmf.Sum() + tail <= 0)
            {
                return;
            }

            int[] cdf = QuantizedCdf.FromPmf(pmf, tail);
            QuantizedCdf.Validate(cdf);
            Assert.Equal(pmf.Length + 2, cdf.Length);
            double sum = pmf.Sum() + tail;
            for (int i = 0; i < pmf.Length; i++)
            {
                double expected = pmf[i] / sum * 65536;
                int freq = cdf[i + 1] - cdf[i];
                Assert.True(freq >= 1);
                Assert.True(Math.Abs(freq - expected) <= Math.Max(2, expected * 0.5), $"symbol {i}: {freq} for {expected}");
            }
        }, iter: 200);
    }

    [Fact]
    public void ZeroProbabilitiesStillGetAFrequency()
    {
        int[] cdf = QuantizedCdf.FromPmf([0, 1, 0, 0], 0);
        QuantizedCdf.Validate(cdf);
        Assert.Equal(1, cdf[1] - cdf[0]);
        Assert.Equal(65536 - 4, cdf[2] - cdf[1]);
    }

    [Theory]
    [InlineData(new double[0], 0.0)]
    [InlineData(new double[] { 0.5, double.NaN }, 0.0)]
    [InlineData(new double[] { 0.5, -0.1 }, 0.0)]
    [InlineData(new double[] { 0, 0 }, 0.0)]
    [InlineData(new double[] { 1 }, double.PositiveInfinity)]
    public void InvalidPmfsAreRejected(double[] pmf, double tail)
    {
        var e = Assert.Throws<NicCodecException>(() => QuantizedCdf.FromPmf(pmf, tail));
        Assert.Equal(NicCodecError.InvalidCdf, e.Error);
    }

    [Theory]
    [InlineData(new[] { 0, 65536 })]
    [InlineData(new[] { 1, 2, 65536 })]
    [InlineData(new[] { 0, 2, 65535 })]
    [InlineData(new[] { 0, 2, 2, 65536 })]
    public void InvalidCdfsAreRejected(int[] cdf)
    {
        var e = Assert.Throws<NicCodecException>(() => QuantizedCdfTables.FromCdfs([cdf], [0]));
        Assert.Equal(NicCodecError.InvalidCdf, e.Error);
    }
}
