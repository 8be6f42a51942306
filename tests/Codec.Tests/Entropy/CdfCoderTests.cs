using CsCheck;
using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

public class CdfCoderTests
{
    /// <summary>Random float CDF rows: cumulative sums of random (sometimes zero) weights, ending at 1.</summary>
    private static float[] RandomFloatCdf(Random random, int rows, int lp)
    {
        var cdf = new float[rows * lp];
        for (int r = 0; r < rows; r++)
        {
            var weights = new double[lp - 1];
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = random.Next(3) == 0 ? 0 : random.NextDouble();
            }

            weights[random.Next(weights.Length)] += 0.5;
            double sum = weights.Sum(), acc = 0;
            for (int i = 0; i < lp - 1; i++)
            {
                cdf[r * lp + i] = (float)(acc / sum);
                acc += weights[i];
            }

            cdf[r * lp + lp - 1] = 1f;
        }

        return cdf;
    }

    [Fact]
    public void FloatCdfsRoundTripAndMatchTheirInt16Normalization()
    {
        Gen.Select(Gen.Int, Gen.Int[2, 40], Gen.Int[0, 200]).Sample((seed, lp, count) =>
        {
            var random = new Random(seed);
            float[] cdf = RandomFloatCdf(random, count, lp);
            int[] symbols = Enumerable.Range(0, count).Select(_ => random.Next(lp - 1)).ToArray();

            byte[] coded = CdfCoder.EncodeFloatCdf(cdf, lp, symbols);
            Assert.Equal(symbols, CdfCoder.DecodeFloatCdf(cdf, lp, coded));

            short[] int16 = CdfCoder.NormalizeFloatCdf(cdf, lp);
            Assert.Equal(coded, CdfCoder.EncodeInt16NormalizedCdf(int16, lp, symbols));
            Assert.Equal(symbols, CdfCoder.DecodeInt16NormalizedCdf(int16, lp, coded));
        }, iter: 300);
    }

    [Fact]
    public void TheUniformThreeSymbolExampleWorksWithNegativeInt16Entries()
    {
        // [0, 1/3, 2/3, 1] as int16: 43690 reads back as −21845, and the final 2^16 cannot be stored at all.
        short[] cdf = [0, 21845, -21845, 0];
        int[] symbols = [0, 1, 2, 2, 1, 0];
        short[] rows = [.. Enumerable.Range(0, symbols.Length).SelectMany(_ => cdf)];
        byte[] coded = CdfCoder.EncodeInt16NormalizedCdf(rows, 4, symbols);
        Assert.Equal(symbols, CdfCoder.DecodeInt16NormalizedCdf(rows, 4, coded));
    }

    [Fact]
    public void ASingleSymbolAlphabetCostsNothingButTheState()
    {
        float[] cdf = [.. Enumerable.Range(0, 1000).SelectMany(_ => new[] { 0f, 1f })];
        byte[] coded = CdfCoder.EncodeFloatCdf(cdf, 2, new int[1000]);
        Assert.Equal(8, coded.Length);
        Assert.Equal(new int[1000], CdfCoder.DecodeFloatCdf(cdf, 2, coded));
    }

    [Fact]
    public void EmptyInputRoundTrips()
    {
        byte[] coded = CdfCoder.EncodeFloatCdf([], 5, []);
        Assert.Empty(CdfCoder.DecodeFloatCdf([], 5, coded));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SymbolsAtOrAboveLpMinusOneAreRejected(bool checkInputBounds)
    {
        float[] cdf = [0f, 0.5f, 1f, 0f, 0.5f, 1f];
        var options = new CdfCodingOptions { CheckInputBounds = checkInputBounds };
        var e = Assert.Throws<NicCodecException>(() => CdfCoder.EncodeFloatCdf(cdf, 3, [1, 2], options));
        Assert.Equal(NicCodecError.SymbolOutOfRange, e.Error);
        Assert.Equal(1, e.Position);

        e = Assert.Throws<NicCodecException>(() => CdfCoder.EncodeInt16NormalizedCdf([0, 100, 0], 3, [-1], checkInputBounds));
        Assert.Equal(NicCodecError.SymbolOutOfRange, e.Error);
    }

    [Fact]
    public void AFlatCdfNeedsNormalization()
    {
        float[] cdf = [0f, 0.5f, 0.5f, 1f];
        byte[] coded = CdfCoder.EncodeFloatCdf(cdf, 4, [1]);
        Assert.Equal([1], CdfCoder.DecodeFloatCdf(cdf, 4, coded));

        var e = Assert.Throws<NicCodecException>(() => CdfCoder.EncodeFloatCdf(cdf, 4, [0], new CdfCodingOptions { NeedsNormalization = false }));
        Assert.Equal(NicCodecError.InvalidCdf, e.Error);
    }

    [Theory]
    [InlineData(new float[] { 0f, 0.7f, 0.3f, 1f })]
    [InlineData(new float[] { 0f, float.NaN, 0.3f, 1f })]
    [InlineData(new float[] { -0.1f, 0.2f, 0.3f, 1f })]
    [InlineData(new float[] { 0f, 0.2f, 1.5f, 1f })]
    public void MalformedFloatCdfsAreRejected(float[] row)
    {
        var e = Assert.Throws<NicCodecException>(() => CdfCoder.EncodeFloatCdf(row, 4, [0]));
        Assert.Equal(NicCodecError.InvalidCdf, e.Error);
    }

    [Fact]
    public void AnInt16CdfThatDoesNotRiseIsRejected()
    {
        var e = Assert.Throws<NicCodecException>(() => CdfCoder.EncodeInt16NormalizedCdf([0, 500, 500, 0], 4, [0]));
        Assert.Equal(NicCodecError.InvalidCdf, e.Error);
    }

    [Fact]
    public void TheLargestAlphabetWorks()
    {
        int lp = CdfCoder.MaxLp;
        float[] cdf = [.. Enumerable.Range(0, lp).Select(i => i / (float)(lp - 1))];
        int[] symbols = [0, 65535, 32768, 1];
        float[] rows = [.. Enumerable.Range(0, symbols.Length).SelectMany(_ => cdf)];
        Assert.Equal(symbols, CdfCoder.DecodeFloatCdf(rows, lp, CdfCoder.EncodeFloatCdf(rows, lp, symbols)));
    }

    [Fact]
    public void ShapeMismatchesAreArgumentErrors()
    {
        Assert.Throws<ArgumentException>(() => CdfCoder.EncodeFloatCdf(new float[7], 4, [0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CdfCoder.EncodeFloatCdf(new float[4], 1, [0]));
        Assert.Throws<ArgumentException>(() => CdfCoder.DecodeFloatCdf(new float[7], 4, new byte[8]));
    }

    [Fact]
    public void DamagedStreamsFailOnlyWithCodecErrors()
    {
        var random = new Random(21);
        float[] cdf = RandomFloatCdf(random, 200, 9);
        int[] symbols = Enumerable.Range(0, 200).Select(_ => random.Next(8)).ToArray();
        byte[] coded = CdfCoder.EncodeFloatCdf(cdf, 9, symbols);
        for (int length = 0; length < coded.Length; length++)
        {
            Assert.Throws<NicCodecException>(() => CdfCoder.DecodeFloatCdf(cdf, 9, coded.AsSpan(0, length)));
        }

        for (int position = 0; position < coded.Length; position++)
        {
            byte[] damaged = (byte[])coded.Clone();
            damaged[position] ^= 0x10;
            try
            {
                CdfCoder.DecodeFloatCdf(cdf, 9, damaged);
            }
            catch (NicCodecException)
            {
            }
        }
    }
}
