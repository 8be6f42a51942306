using CsCheck;
using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

public class IndexedEntropyCoderTests
{
    private static int[] RoundTrip(int[] values, int[] indexes, QuantizedCdfTables tables)
    {
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, tables);
        var decoded = new int[values.Length];
        IndexedEntropyCoder.Decode(coded, indexes, tables, decoded);
        return decoded;
    }

    /// <summary>
    /// Segmented decoding (spec/nic-coding.md §4.1, §10.3): each segment's indexes computed from the values before it
    /// decode the encoder's ordinary stream, whatever the segment length (the last segment shorter or not).
    /// </summary>
    [Fact]
    public void SegmentsWhoseIndexesDependOnEarlierValuesDecodeTheOrdinaryStream()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[0, 300], Gen.Int[1, 50]).Sample((seed, tableCount, length, segmentLength) =>
        {
            var random = new Random(seed);
            QuantizedCdfTables tables = TestTables.RandomTables(random, tableCount, 40);

            // Segment s's index i is (the sum of every earlier value + i) mod T: the encoder computes them all up front.
            int Index(ReadOnlySpan<int> earlier, int i)
            {
                long sum = 0;
                foreach (int v in earlier)
                {
                    sum += v;
                }

                return (int)(((sum + i) % tableCount + tableCount) % tableCount);
            }

            var values = new int[length];
            var indexes = new int[length];
            for (int start = 0; start < length; start += segmentLength)
            {
                for (int i = start; i < Math.Min(length, start + segmentLength); i++)
                {
                    indexes[i] = Index(values.AsSpan(0, start), i - start);
                    int offset = tables.GetOffset(indexes[i]);
                    values[i] = random.Next(6) == 0 ? offset - random.Next(1, 100) : offset + random.Next(tables.SymbolCount(indexes[i]));
                }
            }

            byte[] stream = IndexedEntropyCoder.Encode(values, indexes, tables);
            var decoded = new int[length];
            var segments = new List<int>();
            IndexedEntropyCoder.DecodeSegments(stream, tables, decoded, segmentLength, (segment, earlier, segmentIndexes) =>
            {
                Assert.Equal(segment * segmentLength, earlier.Length);
                segments.Add(segment);
                for (int i = 0; i < segmentIndexes.Length; i++)
                {
                    segmentIndexes[i] = Index(earlier, i);
                }
            });
            Assert.Equal(values, decoded);
            Assert.Equal(Enumerable.Range(0, (length + segmentLength - 1) / segmentLength), segments);
        }, iter: 200);
    }

    [Fact]
    public void DamagedSegmentedStreamsFailWithTheEndCheckAndTheTruncationError()
    {
        var random = new Random(5);
        int[] indexes = [.. Enumerable.Range(0, 2000).Select(_ => random.Next(64))];
        int[] values = TestTables.GaussianValues(random, indexes);
        byte[] stream = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64);
        void Decode(byte[] data) => IndexedEntropyCoder.DecodeSegments(data, TestTables.Gaussian64, new int[values.Length], 300, (segment, _, segmentIndexes) => indexes.AsSpan(segment * 300, segmentIndexes.Length).CopyTo(segmentIndexes));
        Decode(stream);
        Assert.Equal(NicCodecError.EntropyPayloadTruncated, Assert.Throws<NicCodecException>(() => Decode(stream[..^4])).Error);
        Assert.Equal(NicCodecError.EntropyPayloadCorrupt, Assert.Throws<NicCodecException>(() => Decode([.. stream, 0, 0, 0, 0])).Error);
        int[] badIndexes = [.. indexes];
        badIndexes[1500] = 64;
        NicCodecException e = Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.DecodeSegments(stream, TestTables.Gaussian64, new int[values.Length], 300, (segment, _, segmentIndexes) => badIndexes.AsSpan(segment * 300, segmentIndexes.Length).CopyTo(segmentIndexes)));
        Assert.Equal((NicCodecError.InvalidTableIndex, 1500L), (e.Error, e.Position));
    }

    [Fact]
    public void SegmentsOfGivenLengthsIncludingEmptyOnesDecodeInOrder()
    {
        // The checkerboard passes of spec/nic-coding.md §10.3 give segments of two lengths, and a 1 × 1 band an empty one.
        var random = new Random(9);
        int[] lengths = [5, 4, 0, 7, 0, 3];
        int total = lengths.Sum();
        int[] indexes = [.. Enumerable.Range(0, total).Select(_ => random.Next(64))];
        int[] values = TestTables.GaussianValues(random, indexes);
        byte[] stream = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64);
        var decoded = new int[total];
        var seen = new List<(int Segment, int Earlier, int Length)>();
        int start = 0;
        IndexedEntropyCoder.DecodeSegments(stream, TestTables.Gaussian64, decoded, lengths, (segment, earlier, segmentIndexes) =>
        {
            seen.Add((segment, earlier.Length, segmentIndexes.Length));
            Assert.Equal(values.AsSpan(0, earlier.Length).ToArray(), earlier.ToArray());
            indexes.AsSpan(start, segmentIndexes.Length).CopyTo(segmentIndexes);
            start += segmentIndexes.Length;
        });
        Assert.Equal(values, decoded);
        Assert.Equal([(0, 0, 5), (1, 5, 4), (2, 9, 0), (3, 9, 7), (4, 16, 0), (5, 16, 3)], seen);
        Assert.Throws<ArgumentException>(() => IndexedEntropyCoder.DecodeSegments(stream, TestTables.Gaussian64, new int[total + 1], lengths, (_, _, _) => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => IndexedEntropyCoder.DecodeSegments(stream, TestTables.Gaussian64, decoded, [total + 1, -1], (_, _, _) => { }));
    }

    [Fact]
    public void RandomTablesAndValuesRoundTripIncludingEscapes()
    {
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[0, 300]).Sample((seed, tableCount, length) =>
        {
            var random = new Random(seed);
            QuantizedCdfTables tables = TestTables.RandomTables(random, tableCount, 40);
            var indexes = new int[length];
            var values = new int[length];
            for (int i = 0; i < length; i++)
            {
                indexes[i] = random.Next(tableCount);
                int offset = tables.GetOffset(indexes[i]);
                values[i] = random.Next(5) switch
                {
                    0 => random.Next(int.MinValue, int.MaxValue),
                    1 => offset - random.Next(1, 1000),
                    2 => offset + tables.SymbolCount(indexes[i]) + random.Next(0, 1000),
                    _ => offset + random.Next(tables.SymbolCount(indexes[i])),
                };
            }

            Assert.Equal(values, RoundTrip(values, indexes, tables));
        }, iter: 300);
    }

    [Theory]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue + 1)]
    [InlineData(int.MaxValue - 1)]
    [InlineData(0)]
    [InlineData(-1)]
    public void ExtremeValuesRoundTripUnderExtremeOffsets(int value)
    {
        int[] cdf = [0, 30000, 65000, 65536];
        QuantizedCdfTables tables = QuantizedCdfTables.FromCdfs([cdf, cdf, cdf], [int.MinValue, int.MaxValue - 1, 0]);
        int[] indexes = [0, 1, 2];
        int[] values = [value, value, value];
        Assert.Equal(values, RoundTrip(values, indexes, tables));
    }

    [Fact]
    public void EveryEscapeBitLengthRoundTrips()
    {
        QuantizedCdfTables tables = TestTables.Gaussian64;
        var values = new List<int>();
        for (int bits = 0; bits < 32; bits++)
        {
            long magnitude = 1L << bits;
            foreach (long v in new[] { magnitude, magnitude - 1, magnitude + 1, -magnitude, -magnitude + 1, -magnitude - 1 })
            {
                values.Add((int)Math.Clamp(v, int.MinValue, int.MaxValue));
            }
        }

        int[] vals = [.. values];
        int[] indexes = vals.Select((_, i) => i % 64).ToArray();
        Assert.Equal(vals, RoundTrip(vals, indexes, tables));
    }

    [Fact]
    public void EmptyInputCodesToTheBareStateAndDecodes()
    {
        byte[] coded = IndexedEntropyCoder.Encode([], [], TestTables.Gaussian64);
        Assert.Equal(8, coded.Length);
        IndexedEntropyCoder.Decode(coded, [], TestTables.Gaussian64, []);
    }

    [Fact]
    public void SingleSymbolRoundTrips()
    {
        Assert.Equal([3], RoundTrip([3], [40], TestTables.Gaussian64));
    }

    [Fact]
    public void InRangeSymbolsCostWithinATenthOfAPercentOfTheirInformationContent()
    {
        var random = new Random(7);
        int[] indexes = Enumerable.Range(0, 200_000).Select(_ => random.Next(64)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        double ideal = IndexedEntropyCoder.InformationBits(values, indexes, TestTables.Gaussian64);
        double actual = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64).Length * 8.0;
        Assert.InRange((actual - ideal) / ideal, 0, 0.001);
    }

    [Fact]
    public void EncodingIsDeterministic()
    {
        var random = new Random(11);
        int[] indexes = Enumerable.Range(0, 5000).Select(_ => random.Next(64)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        Assert.Equal(IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64), IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64));
    }

    [Fact]
    public void ABadTableIndexIsReportedWithItsPosition()
    {
        var e = Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.Encode([1, 2, 3], [0, 64, 1], TestTables.Gaussian64));
        Assert.Equal(NicCodecError.InvalidTableIndex, e.Error);
        Assert.Equal(1, e.Position);

        byte[] coded = IndexedEntropyCoder.Encode([1, 2, 3], [0, 1, 2], TestTables.Gaussian64);
        e = Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.Decode(coded, [0, -1, 2], TestTables.Gaussian64, new int[3]));
        Assert.Equal(NicCodecError.InvalidTableIndex, e.Error);
    }

    [Fact]
    public void EveryTruncationIsReportedAsADamagedPayload()
    {
        var random = new Random(3);
        int[] indexes = Enumerable.Range(0, 400).Select(_ => random.Next(64)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        values[17] = int.MaxValue;
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64);
        for (int length = 0; length < coded.Length; length++)
        {
            var e = Assert.Throws<NicCodecException>(() => IndexedEntropyCoder.Decode(coded.AsSpan(0, length), indexes, TestTables.Gaussian64, new int[values.Length]));
            Assert.True(e.Error is NicCodecError.EntropyPayloadTruncated or NicCodecError.EntropyPayloadCorrupt, e.Message);
        }
    }

    [Fact]
    public void SingleByteCorruptionsAreDetectedOrDecodeWithoutOtherErrors()
    {
        var random = new Random(5);
        int[] indexes = Enumerable.Range(0, 300).Select(_ => random.Next(64)).ToArray();
        int[] values = TestTables.GaussianValues(random, indexes);
        values[100] = -123456;
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, TestTables.Gaussian64);
        int detected = 0, total = 0;
        for (int position = 0; position < coded.Length; position++)
        {
            foreach (byte flip in new byte[] { 0x01, 0x80, 0xFF, 0x5A })
            {
                byte[] damaged = (byte[])coded.Clone();
                damaged[position] ^= flip;
                total++;
                try
                {
                    var decoded = new int[values.Length];
                    IndexedEntropyCoder.Decode(damaged, indexes, TestTables.Gaussian64, decoded);
                }
                catch (NicCodecException)
                {
                    detected++;
                }
            }
        }

        // The final-state check catches nearly every corruption; anything else would have thrown a different type.
        Assert.True(detected >= total * 0.99, $"{detected} of {total} corruptions detected");
    }

    [Fact]
    public void RandomBytesNeverFailWithAnythingButACodecError()
    {
        Gen.Select(Gen.Byte.Array[0, 64], Gen.Int[0, 40]).Sample((bytes, count) =>
        {
            int[] indexes = Enumerable.Range(0, count).Select(i => (i * 7) % 64).ToArray();
            try
            {
                IndexedEntropyCoder.Decode(bytes, indexes, TestTables.Gaussian64, new int[count]);
            }
            catch (NicCodecException)
            {
            }
        }, iter: 2000);
    }

    [Fact]
    public void DecodingStopsOnACancelledTokenAndALiveOneChangesNothing()
    {
        QuantizedCdfTables tables = QuantizedCdfTables.FromCdfs([[0, 30000, 65000, 65536]], [-1]);
        int[] values = [.. Enumerable.Range(0, 200_000).Select(i => (i % 5) - 2)];
        var indexes = new int[values.Length];
        byte[] coded = IndexedEntropyCoder.Encode(values, indexes, tables);
        using var cancellation = new CancellationTokenSource();

        var decoded = new int[values.Length];
        IndexedEntropyCoder.Decode(coded, indexes, tables, decoded, cancellation.Token);
        Assert.Equal(values, decoded);

        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => IndexedEntropyCoder.Decode(coded, indexes, tables, new int[values.Length], cancellation.Token));
    }

    [Fact]
    public void AStreamClaimingAnImpossibleEscapeLengthIsCorrupt()
    {
        // A table whose only in-range symbol has a tiny frequency, so most slots decode as the escape.
        QuantizedCdfTables tables = QuantizedCdfTables.FromCdfs([[0, 1, 65536]], [0]);
        var random = new Random(9);
        int corrupt = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            bytes[7] &= 0x3F;
            bytes[3] |= 0x80;
            try
            {
                IndexedEntropyCoder.Decode(bytes, [0, 0, 0], tables, new int[3]);
            }
            catch (NicCodecException e) when (e.Error == NicCodecError.EntropyPayloadCorrupt)
            {
                corrupt++;
            }
        }

        Assert.True(corrupt > 150, $"{corrupt} of 200 random streams were reported as corrupt");
    }
}
