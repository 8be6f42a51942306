using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// Codes integer values, each under the quantized CDF table that its table index selects — the way a Gaussian
/// conditional codes a latent with one scale index per element (spec/nic-coding.md §4). Values outside a table's
/// range are escaped, so every 32-bit integer round-trips. Stateless and thread-safe.
/// </summary>
public static class IndexedEntropyCoder
{
    /// <summary>
    /// Fills the table indexes of segment <paramref name="segment"/> of a <see cref="DecodeSegments(ReadOnlySpan{byte}, QuantizedCdfTables, Span{int}, ReadOnlySpan{int}, SegmentIndexer, CancellationToken)"/> stream from the
    /// values decoded before it (<paramref name="decoded"/>, segments 0 … segment − 1 in stream order).
    /// </summary>
    internal delegate void SegmentIndexer(int segment, ReadOnlySpan<int> decoded, Span<int> indexes);

    /// <summary>Symbols decoded between two looks at the cancellation token (about a millisecond of work).</summary>
    private const int CancellationInterval = 1 << 16;

    /// <summary>Encodes <paramref name="values"/>; value i is coded under table <c>indexes[i]</c>, as a standard stream (§2.5).</summary>
    /// <returns>The coded stream (at least 8 bytes: an empty input codes to the bare initial state).</returns>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidTableIndex"/> for an index that names no table.</exception>
    public static byte[] Encode(ReadOnlySpan<int> values, ReadOnlySpan<int> indexes, QuantizedCdfTables tables) =>
        Encode(values, indexes, tables, RansStreamForm.Standard);

    /// <summary>Encodes <paramref name="values"/> as a stream of the given form (spec/nic-coding.md §2.5, §2.7); value i is coded under table <c>indexes[i]</c>.</summary>
    /// <returns>The coded stream.</returns>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidTableIndex"/> for an index that names no table.</exception>
    public static byte[] Encode(ReadOnlySpan<int> values, ReadOnlySpan<int> indexes, QuantizedCdfTables tables, RansStreamForm form)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (values.Length != indexes.Length)
        {
            throw new ArgumentException($"{values.Length} values but {indexes.Length} table indexes");
        }

        using var encoder = new RansEncoder(values.Length, form);
        ReadOnlySpan<int> cdf = tables.FlatCdf;
        ReadOnlySpan<QuantizedCdfTables.TableInfo> infos = tables.Tables;
        ref int cdfRef = ref MemoryMarshal.GetReference(cdf);
        for (int i = values.Length - 1; i >= 0; i--)
        {
            int t = indexes[i];
            if ((uint)t >= (uint)infos.Length)
            {
                ThrowBadIndex(t, infos.Length, i);
            }

            QuantizedCdfTables.TableInfo info = infos[t];
            long s = (long)values[i] - info.Offset;
            if ((ulong)s < (ulong)info.Count)
            {
                // Safe: 0 <= s < Count and the table spans Count + 2 entries from Base.
                ref int at = ref Unsafe.Add(ref cdfRef, info.Base + (int)s);
                uint start = (uint)at;
                encoder.Put(start, (uint)Unsafe.Add(ref at, 1) - start);
            }
            else
            {
                PutEscaped(encoder, cdf, info, s);
            }
        }

        return encoder.Finish();
    }

    /// <summary>
    /// Decodes <c>values.Length</c> values coded by <see cref="Encode(ReadOnlySpan{int}, ReadOnlySpan{int}, QuantizedCdfTables)"/> with the same table indexes.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="NicCodecException">
    /// <see cref="NicCodecError.EntropyPayloadTruncated"/> or <see cref="NicCodecError.EntropyPayloadCorrupt"/> for a
    /// damaged stream (the decoder checks that the stream ends exactly, with the coder back in its initial state);
    /// <see cref="NicCodecError.InvalidTableIndex"/> for an index that names no table.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (it is looked at every 65,536 symbols).</exception>
    public static void Decode(ReadOnlySpan<byte> data, ReadOnlySpan<int> indexes, QuantizedCdfTables tables, Span<int> values, CancellationToken cancellationToken = default) =>
        Decode(data, indexes, tables, values, RansStreamForm.Standard, cancellationToken);

    /// <summary>
    /// Decodes <c>values.Length</c> values from a stream of the given form made by
    /// <see cref="Encode(ReadOnlySpan{int}, ReadOnlySpan{int}, QuantizedCdfTables, RansStreamForm)"/> with the same table indexes.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="NicCodecException">
    /// <see cref="NicCodecError.EntropyPayloadTruncated"/> or <see cref="NicCodecError.EntropyPayloadCorrupt"/> for a
    /// damaged stream; <see cref="NicCodecError.InvalidTableIndex"/> for an index that names no table.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void Decode(ReadOnlySpan<byte> data, ReadOnlySpan<int> indexes, QuantizedCdfTables tables, Span<int> values, RansStreamForm form, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (values.Length != indexes.Length)
        {
            throw new ArgumentException($"room for {values.Length} values but {indexes.Length} table indexes");
        }

        var decoder = new RansDecoder(data, form);
        DecodeRun(ref decoder, indexes, tables, values, 0, cancellationToken);
        decoder.VerifyEnd(values.Length);
    }

    /// <summary>
    /// Decodes one standard stream (§2.5) made by <see cref="Encode(ReadOnlySpan{int}, ReadOnlySpan{int}, QuantizedCdfTables)"/>
    /// whose table indexes depend on the values decoded before them (spec/nic-coding.md §10.3): the values are decoded in
    /// segments of <paramref name="segmentLength"/> (the last may be shorter), and before segment s,
    /// <paramref name="indexer"/>(s, the values of segments 0 … s − 1, the segment's table indexes) fills that segment's
    /// indexes. The stream is the encoder's ordinary stream of all values; only the decoder needs the segments. The end
    /// check is <see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{int}, QuantizedCdfTables, Span{int}, CancellationToken)"/>'s.
    /// </summary>
    /// <exception cref="NicCodecException">As <see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{int}, QuantizedCdfTables, Span{int}, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static void DecodeSegments(ReadOnlySpan<byte> data, QuantizedCdfTables tables, Span<int> values, int segmentLength, SegmentIndexer indexer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(indexer);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentLength, 1);
        int[] lengths = new int[(values.Length + segmentLength - 1) / segmentLength];
        for (int segment = 0; segment < lengths.Length; segment++)
        {
            lengths[segment] = Math.Min(segmentLength, values.Length - (segment * segmentLength));
        }

        DecodeSegments(data, tables, values, lengths, indexer, cancellationToken);
    }

    /// <summary>
    /// As <see cref="DecodeSegments(ReadOnlySpan{byte}, QuantizedCdfTables, Span{int}, int, SegmentIndexer, CancellationToken)"/>,
    /// with segments of the given lengths (which may be 0; the indexer is called for every segment, in order).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths are negative or do not add up to the values.</exception>
    /// <exception cref="NicCodecException">As <see cref="Decode(ReadOnlySpan{byte}, ReadOnlySpan{int}, QuantizedCdfTables, Span{int}, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static void DecodeSegments(ReadOnlySpan<byte> data, QuantizedCdfTables tables, Span<int> values, ReadOnlySpan<int> segmentLengths, SegmentIndexer indexer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(indexer);
        long total = 0;
        int longest = 0;
        foreach (int length in segmentLengths)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(segmentLengths));
            total += length;
            longest = Math.Max(longest, length);
        }

        if (total != values.Length)
        {
            throw new ArgumentException($"segments of {total} values for {values.Length} values", nameof(segmentLengths));
        }

        var decoder = new RansDecoder(data);
        int[] indexes = GC.AllocateUninitializedArray<int>(longest);
        int start = 0;
        for (int segment = 0; segment < segmentLengths.Length; segment++)
        {
            int length = segmentLengths[segment];
            Span<int> segmentIndexes = indexes.AsSpan(0, length);
            indexer(segment, values[..start], segmentIndexes);
            DecodeRun(ref decoder, segmentIndexes, tables, values.Slice(start, length), start, cancellationToken);
            start += length;
        }

        decoder.VerifyEnd(values.Length);
    }

    /// <summary>
    /// Decodes <c>values.Length</c> values under <paramref name="indexes"/> from <paramref name="decoder"/>; the first is
    /// symbol <paramref name="first"/> of the stream (the position errors report).
    /// </summary>
    private static void DecodeRun(ref RansDecoder decoder, ReadOnlySpan<int> indexes, QuantizedCdfTables tables, Span<int> values, long first, CancellationToken cancellationToken)
    {
        ReadOnlySpan<int> cdf = tables.FlatCdf;
        ReadOnlySpan<QuantizedCdfTables.TableInfo> infos = tables.Tables;
        ReadOnlySpan<ushort> buckets = tables.Buckets;
        ref int cdfRef = ref MemoryMarshal.GetReference(cdf);
        ref ushort bucketRef = ref MemoryMarshal.GetReference(buckets);
        for (int i = 0; i < values.Length; i++)
        {
            long position = first + i;
            if ((position & (CancellationInterval - 1)) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            int t = indexes[i];
            if ((uint)t >= (uint)infos.Length)
            {
                ThrowBadIndex(t, infos.Length, position);
            }

            QuantizedCdfTables.TableInfo info = infos[t];
            uint slot = decoder.Slot;

            // Safe: the bucket index is below TableCount << BucketBits, and the scan stops at the table's last
            // entry (2^16), which exceeds every slot.
            int s = Unsafe.Add(ref bucketRef, (t << QuantizedCdfTables.BucketBits) + (int)(slot >> QuantizedCdfTables.BucketShift));
            ref int at = ref Unsafe.Add(ref cdfRef, info.Base + s);
            while ((uint)Unsafe.Add(ref at, 1) <= slot)
            {
                at = ref Unsafe.Add(ref at, 1);
                s++;
            }

            uint start = (uint)at;
            decoder.Advance(start, (uint)Unsafe.Add(ref at, 1) - start, position);
            values[i] = s < info.Count ? info.Offset + s : GetEscaped(ref decoder, info, position);
        }
    }

    /// <summary>The information content in bits of coding <paramref name="values"/> under their tables: the size an ideal coder would reach.</summary>
    public static double InformationBits(ReadOnlySpan<int> values, ReadOnlySpan<int> indexes, QuantizedCdfTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (values.Length != indexes.Length)
        {
            throw new ArgumentException($"{values.Length} values but {indexes.Length} table indexes");
        }

        double bits = 0;
        for (int i = 0; i < values.Length; i++)
        {
            bits += tables.InformationBits(values[i], indexes[i]);
        }

        return bits;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PutEscaped(RansEncoder encoder, ReadOnlySpan<int> cdf, QuantizedCdfTables.TableInfo info, long symbol)
    {
        ulong w = EscapeCode.Map(symbol, info.Count) + 1;
        int bitLength = EscapeCode.BitLength(w - 1);

        // Pushed in reverse of the reading order: groups from the most significant down, the length, the escape.
        int groups = (bitLength + RansConstants.EscapeGroupBits - 1) / RansConstants.EscapeGroupBits;
        for (int g = groups - 1; g >= 0; g--)
        {
            int shift = g * RansConstants.EscapeGroupBits;
            int bits = Math.Min(RansConstants.EscapeGroupBits, bitLength - shift);
            encoder.PutBits((uint)(w >> shift) & ((1u << bits) - 1), bits);
        }

        encoder.PutBits((uint)bitLength, RansConstants.EscapeLengthBits);
        int e = info.Base + info.Count;
        encoder.Put((uint)cdf[e], (uint)(cdf[e + 1] - cdf[e]));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int GetEscaped(ref RansDecoder decoder, QuantizedCdfTables.TableInfo info, long position)
    {
        int bitLength = (int)decoder.GetBits(RansConstants.EscapeLengthBits, position);
        if (bitLength > RansConstants.MaxEscapeLength)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"an escaped value claims {bitLength} bits; at most {RansConstants.MaxEscapeLength} are possible", position);
        }

        ulong w = 1UL << bitLength;
        for (int shift = 0; shift < bitLength; shift += RansConstants.EscapeGroupBits)
        {
            int bits = Math.Min(RansConstants.EscapeGroupBits, bitLength - shift);
            w |= (ulong)decoder.GetBits(bits, position) << shift;
        }

        long value = EscapeCode.Unmap(w - 1, info.Count) + info.Offset;
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"an escaped value decodes to {value}, outside the 32-bit range", position);
        }

        return (int)value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadIndex(int index, int count, long position) =>
        throw new NicCodecException(NicCodecError.InvalidTableIndex, $"table index {index} names no table; there are {count}", position);
}
