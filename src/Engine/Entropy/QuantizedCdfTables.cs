using System.Runtime.InteropServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// A frozen set of quantized CDF tables addressed by index, as a Gaussian conditional or an entropy bottleneck
/// uses them (spec/nic-coding.md §3). Table <c>t</c> covers the integer values
/// <c>Offset(t) … Offset(t) + SymbolCount(t) − 1</c>; its last interval is the escape symbol, after which a value
/// outside that range is coded in raw bits, so any 32-bit integer can be coded under any table.
/// Instances are immutable and safe to share between threads.
/// </summary>
public sealed class QuantizedCdfTables
{
    /// <summary>log2 of the number of buckets of the decoder's slot → symbol index (spec §4.2).</summary>
    internal const int BucketBits = 10;

    internal const int BucketShift = RansConstants.PrecisionBits - BucketBits;

    private readonly int[] _cdf;
    private readonly TableInfo[] _tables;
    private readonly ushort[] _buckets;

    private QuantizedCdfTables(int[] cdf, TableInfo[] tables)
    {
        _cdf = cdf;
        _tables = tables;
        _buckets = BuildBuckets(cdf, tables);
    }

    /// <summary>The number of tables.</summary>
    public int Count => _tables.Length;

    /// <summary>
    /// Creates tables from quantized CDFs. Each CDF has the in-range symbols' intervals followed by the escape
    /// symbol's interval: <c>n + 2</c> entries, 0 first, 2^16 last, strictly rising.
    /// </summary>
    /// <param name="cdfs">One CDF per table.</param>
    /// <param name="offsets">Per table, the value coded by symbol 0 (CompressAI's <c>offset</c>: usually the negated pmf centre).</param>
    /// <exception cref="ArgumentException">The counts of CDFs and offsets differ, or there are no tables.</exception>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidCdf"/> for a malformed CDF.</exception>
    public static QuantizedCdfTables FromCdfs(IReadOnlyList<int[]> cdfs, ReadOnlySpan<int> offsets)
    {
        ArgumentNullException.ThrowIfNull(cdfs);
        if (cdfs.Count == 0 || cdfs.Count != offsets.Length)
        {
            throw new ArgumentException($"{cdfs.Count} CDFs and {offsets.Length} offsets were given; both must be the same positive number");
        }

        var tables = new TableInfo[cdfs.Count];
        long total = 0;
        for (int t = 0; t < cdfs.Count; t++)
        {
            int[] cdf = cdfs[t] ?? throw new ArgumentException($"CDF {t} is null", nameof(cdfs));
            try
            {
                QuantizedCdf.Validate(cdf);
            }
            catch (NicCodecException e)
            {
                throw new NicCodecException(NicCodecError.InvalidCdf, $"table {t}: {e.Message}");
            }

            tables[t] = new TableInfo((int)total, offsets[t], cdf.Length - 2);
            total += cdf.Length;
        }

        var flat = new int[checked((int)total)];
        for (int t = 0; t < cdfs.Count; t++)
        {
            cdfs[t].CopyTo(flat, tables[t].Base);
        }

        return new QuantizedCdfTables(flat, tables);
    }

    /// <summary>
    /// Creates tables by quantizing probability mass functions with <see cref="QuantizedCdf.FromPmf"/>.
    /// </summary>
    /// <param name="pmfs">Per table, the probabilities of the in-range values.</param>
    /// <param name="tailMasses">Per table, the probability of all values outside the table (the escape symbol).</param>
    /// <param name="offsets">Per table, the value of the first pmf entry.</param>
    public static QuantizedCdfTables FromPmfs(IReadOnlyList<double[]> pmfs, ReadOnlySpan<double> tailMasses, ReadOnlySpan<int> offsets)
    {
        ArgumentNullException.ThrowIfNull(pmfs);
        if (pmfs.Count != tailMasses.Length)
        {
            throw new ArgumentException($"{pmfs.Count} pmfs and {tailMasses.Length} tail masses were given; they must match");
        }

        var cdfs = new int[pmfs.Count][];
        for (int t = 0; t < pmfs.Count; t++)
        {
            cdfs[t] = QuantizedCdf.FromPmf(pmfs[t] ?? throw new ArgumentException($"pmf {t} is null", nameof(pmfs)), tailMasses[t]);
        }

        return FromCdfs(cdfs, offsets);
    }

    /// <summary>The quantized CDF of table <paramref name="table"/>: <see cref="SymbolCount"/> + 2 entries, the last interval being the escape.</summary>
    public ReadOnlySpan<int> GetCdf(int table)
    {
        TableInfo info = _tables[table];
        return _cdf.AsSpan(info.Base, info.Count + 2);
    }

    /// <summary>The value coded by symbol 0 of table <paramref name="table"/>.</summary>
    public int GetOffset(int table) => _tables[table].Offset;

    /// <summary>The number of in-range symbols of table <paramref name="table"/> (the escape symbol not counted).</summary>
    public int SymbolCount(int table) => _tables[table].Count;

    /// <summary>The information content, in bits, of coding <paramref name="value"/> under table <paramref name="table"/>, escapes included.</summary>
    public double InformationBits(int value, int table)
    {
        if ((uint)table >= (uint)_tables.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(table), table, $"there are {_tables.Length} tables");
        }

        TableInfo info = _tables[table];
        long s = (long)value - info.Offset;
        if ((ulong)s < (ulong)info.Count)
        {
            int i = info.Base + (int)s;
            return RansConstants.PrecisionBits - Math.Log2(_cdf[i + 1] - _cdf[i]);
        }

        int e = info.Base + info.Count;
        int bitLength = EscapeCode.BitLength(EscapeCode.Map(s, info.Count));
        return RansConstants.PrecisionBits - Math.Log2(_cdf[e + 1] - _cdf[e]) + RansConstants.EscapeLengthBits + bitLength;
    }

    /// <summary>
    /// The tables in the padded layout model files store (spec/nic-model.md §6): the CDFs as rows of a
    /// <see cref="Count"/> × <c>maxLength</c> array, zero-padded, with each table's offset and CDF length.
    /// </summary>
    public (int[] QuantizedCdf, int MaxLength, int[] Offsets, int[] CdfLengths) ToPaddedLayout()
    {
        int maxLength = 0;
        foreach (TableInfo info in _tables)
        {
            maxLength = Math.Max(maxLength, info.Count + 2);
        }

        var padded = new int[checked(_tables.Length * maxLength)];
        var offsets = new int[_tables.Length];
        var lengths = new int[_tables.Length];
        for (int t = 0; t < _tables.Length; t++)
        {
            ReadOnlySpan<int> cdf = GetCdf(t);
            cdf.CopyTo(padded.AsSpan(t * maxLength));
            offsets[t] = _tables[t].Offset;
            lengths[t] = cdf.Length;
        }

        return (padded, maxLength, offsets, lengths);
    }

    internal ReadOnlySpan<int> FlatCdf => _cdf;

    internal ReadOnlySpan<TableInfo> Tables => _tables;

    internal ReadOnlySpan<ushort> Buckets => _buckets;

    /// <summary>For every table and bucket, the first symbol whose interval reaches into the bucket.</summary>
    private static ushort[] BuildBuckets(int[] cdf, TableInfo[] tables)
    {
        const int bucketCount = 1 << BucketBits;
        var buckets = new ushort[checked(tables.Length * bucketCount)];
        for (int t = 0; t < tables.Length; t++)
        {
            ReadOnlySpan<int> table = cdf.AsSpan(tables[t].Base, tables[t].Count + 2);
            Span<ushort> target = buckets.AsSpan(t * bucketCount, bucketCount);
            int s = 0;
            for (int b = 0; b < bucketCount; b++)
            {
                int firstSlot = b << BucketShift;
                while (table[s + 1] <= firstSlot)
                {
                    s++;
                }

                target[b] = (ushort)s;
            }
        }

        return buckets;
    }

    /// <summary>Where table t lives in the flat CDF array, its value offset and its in-range symbol count.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct TableInfo(int Base, int Offset, int Count);
}
