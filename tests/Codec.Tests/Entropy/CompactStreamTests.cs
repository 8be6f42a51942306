using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

/// <summary>The compact stream form (spec/nic-coding.md §2.7): exact round trips at every length, lengths within 16 bits of the information, and clear errors for damaged streams.</summary>
public class CompactStreamTests
{
    private static readonly QuantizedCdfTables Skewed = QuantizedCdfTables.FromCdfs([[0, 30000, 65000, 65536]], [-1]);

    [Fact]
    public void TheEmptyMessageIsTheEmptyStream()
    {
        Assert.Empty(IndexedEntropyCoder.Encode([], [], Skewed, RansStreamForm.Compact));
        IndexedEntropyCoder.Decode([], [], Skewed, Span<int>.Empty, RansStreamForm.Compact);
        Assert.Empty(CdfCoder.EncodeInt16NormalizedCdf([], 4, [], true, RansStreamForm.Compact));
    }

    [Fact]
    public void TheStandardFormIsUnchanged()
    {
        // The same bytes as the spec's §9 vector: the overloads without a form, and the Standard form, are the old coder.
        int[] values = [0, 1, -1, 2, 7];
        Assert.Equal("41A0D8C9420E0000403FBFF7", Convert.ToHexString(IndexedEntropyCoder.Encode(values, new int[5], Skewed, RansStreamForm.Standard)));
        Assert.Equal("41A0D8C9420E0000403FBFF7", Convert.ToHexString(IndexedEntropyCoder.Encode(values, new int[5], Skewed)));
    }

    [Theory]
    [InlineData(0, 65536)] // one symbol that takes the whole range: no information at all
    [InlineData(0, 1)] // the least probable symbol at the bottom of the range
    [InlineData(65535, 1)] // and at the top: 16 bits each
    [InlineData(1, 65535)]
    [InlineData(32768, 32768)]
    public void ExtremeSymbolsRoundTripAtEveryLength(int start, int freq)
    {
        // An int16 CDF with the interval [start, start + freq) as symbol 1 and the rest split around it.
        var row = new List<int> { 0 };
        if (start > 0)
        {
            row.Add(start);
        }

        int symbol = row.Count - 1;
        if (start + freq < 65536)
        {
            row.Add(start + freq);
        }

        int lp = row.Count + 1;
        for (int n = 0; n <= 40; n++)
        {
            short[] cdf = Enumerable.Repeat(row.Select(v => unchecked((short)v)).Append((short)0), n).SelectMany(r => r).ToArray();
            int[] symbols = Enumerable.Repeat(symbol, n).ToArray();
            byte[] coded = CdfCoder.EncodeInt16NormalizedCdf(cdf, lp, symbols, true, RansStreamForm.Compact);
            Assert.Equal(symbols, CdfCoder.DecodeInt16NormalizedCdf(cdf, lp, coded, RansStreamForm.Compact));
            double information = n * Math.Log2(65536.0 / freq);
            Assert.InRange(8.0 * coded.Length, information - 1e-9, information + CompactBound);
        }
    }

    [Fact]
    public void RandomMessagesRoundTripWithinTheBoundOfTheirInformation()
    {
        var random = new Random(20);
        QuantizedCdfTables tables = TestTables.RandomTables(random, 12, 40);
        for (int n = 0; n <= 300; n++)
        {
            for (int trial = 0; trial < 4; trial++)
            {
                int[] indexes = Enumerable.Range(0, n).Select(_ => random.Next(tables.Count)).ToArray();
                int[] values = indexes.Select(t => Draw(random, tables, t)).ToArray();
                byte[] coded = IndexedEntropyCoder.Encode(values, indexes, tables, RansStreamForm.Compact);
                var decoded = new int[n];
                IndexedEntropyCoder.Decode(coded, indexes, tables, decoded, RansStreamForm.Compact);
                Assert.Equal(values, decoded);
                double information = IndexedEntropyCoder.InformationBits(values, indexes, tables);
                Assert.True(8.0 * coded.Length <= information + CompactBound, $"{n} values: {8 * coded.Length} bits for {information:F2} bits of information");
                Assert.True(coded.Length <= IndexedEntropyCoder.Encode(values, indexes, tables).Length);
            }
        }
    }

    [Fact]
    public void EscapedAndExtremeValuesRoundTrip()
    {
        int[] values = [int.MinValue, int.MaxValue, 0, -1, 1, 1 << 20, -(1 << 20), int.MaxValue, int.MinValue];
        var indexes = new int[values.Length];
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, Skewed, RansStreamForm.Compact);
        var decoded = new int[values.Length];
        IndexedEntropyCoder.Decode(coded, indexes, Skewed, decoded, RansStreamForm.Compact);
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void LongMessagesCostNoMoreThanTheStandardForm()
    {
        var random = new Random(5);
        int[] indexes = Enumerable.Range(0, 200_000).Select(_ => random.Next(TestTables.Gaussian64.Count)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        byte[] compact = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64, RansStreamForm.Compact);
        byte[] standard = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64);
        Assert.True(compact.Length <= standard.Length, $"compact {compact.Length} B, standard {standard.Length} B");
        var decoded = new int[values.Length];
        IndexedEntropyCoder.Decode(compact, indexes, TestTables.Gaussian64, decoded, RansStreamForm.Compact);
        Assert.Equal(values, decoded);
    }

    [Theory]
    [InlineData("00", "ends in a zero byte")] // a head with a leading zero
    [InlineData("0100", "ends in a zero byte")]
    [InlineData("01", "coded as the empty stream")] // the initial state, which is the empty stream
    public void NonCanonicalHeadsAreCorrupt(string hex, string message)
    {
        var error = Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.Decode(Convert.FromHexString(hex), [0], Skewed, new int[1], RansStreamForm.Compact));
        Assert.Equal(NicCodecError.EntropyPayloadCorrupt, error.Error);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedStreamsFailWithAStreamErrorAndNothingElse()
    {
        // Every truncation, extension and single-bit flip of a set of valid streams: decoding either throws a
        // NicCodecException with a stream code or returns values: a compact stream has almost no redundancy (§2.7), so a
        // damaged one often reads as another message; only the end check (state back at 1, every byte used) catches it.
        var random = new Random(77);
        QuantizedCdfTables tables = TestTables.RandomTables(random, 6, 30);
        int rejected = 0, accepted = 0;
        for (int n = 1; n <= 60; n += 3)
        {
            int[] indexes = Enumerable.Range(0, n).Select(_ => random.Next(tables.Count)).ToArray();
            int[] values = indexes.Select(t => Draw(random, tables, t)).ToArray();
            byte[] coded = IndexedEntropyCoder.Encode(values, indexes, tables, RansStreamForm.Compact);
            var damaged = new List<byte[]>();
            for (int length = 0; length < coded.Length; length++)
            {
                damaged.Add(coded[..length]);
            }

            damaged.Add([.. coded, 0x00]);
            damaged.Add([.. coded, 0x5A, 0x00, 0x00, 0x01]);
            for (int bit = 0; bit < 8 * coded.Length; bit++)
            {
                byte[] flipped = (byte[])coded.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                damaged.Add(flipped);
            }

            foreach (byte[] stream in damaged)
            {
                var decoded = new int[n];
                try
                {
                    IndexedEntropyCoder.Decode(stream, indexes, tables, decoded, RansStreamForm.Compact);
                    accepted++;
                }
                catch (NicCodecException e)
                {
                    Assert.True(e.Error is NicCodecError.EntropyPayloadCorrupt or NicCodecError.EntropyPayloadTruncated, e.Error.ToString());
                    rejected++;
                }
            }
        }

        Assert.True(accepted * 10 < rejected, $"{accepted} damaged streams decoded, {rejected} rejected");
    }

    [Fact]
    public void EveryTruncationOfAMessageIsRejected()
    {
        var random = new Random(3);
        int[] indexes = Enumerable.Range(0, 50).Select(_ => random.Next(TestTables.Gaussian64.Count)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64, RansStreamForm.Compact);
        for (int length = 0; length < coded.Length; length++)
        {
            byte[] cut = coded[..length];
            Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.Decode(cut, indexes, TestTables.Gaussian64, new int[50], RansStreamForm.Compact));
        }
    }

    [Fact]
    public void TheSpecVectorsMatch()
    {
        int[] values = [0, 1, -1, 2, 7];
        byte[] coded = IndexedEntropyCoder.Encode(values, new int[5], Skewed, RansStreamForm.Compact);
        Assert.Equal(CompactIndexedVector, Convert.ToHexString(coded));
        var decoded = new int[5];
        IndexedEntropyCoder.Decode(coded, new int[5], Skewed, decoded, RansStreamForm.Compact);
        Assert.Equal(values, decoded);

        short[] rows = [0, 21845, -21845, 0, 0, 21845, -21845, 0, 0, 21845, -21845, 0];
        byte[] int16 = CdfCoder.EncodeInt16NormalizedCdf(rows, 4, [2, 0, 1], true, RansStreamForm.Compact);
        Assert.Equal(CompactInt16Vector, Convert.ToHexString(int16));
        Assert.Equal([2, 0, 1], CdfCoder.DecodeInt16NormalizedCdf(rows, 4, int16, RansStreamForm.Compact));
    }

    /// <summary>§2.7's bound on a compact stream without renormalization words: log2(2M + 1) < 17 bits of start-up loss, and under 8 bits of rounding to whole bytes.</summary>
    private const double CompactBound = 17 + 8;

    internal const string CompactIndexedVector = "D3293B02A1E05F9D";
    internal const string CompactInt16Vector = "ADAA03";

    private static int Draw(Random random, QuantizedCdfTables tables, int table)
    {
        // Mostly in-range values, sometimes an escape.
        return random.Next(10) == 0 ? random.Next(-100, 100) : random.Next(-3, 4);
    }
}
