using System.Runtime.InteropServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// Codes any symbol stream under per-symbol CDFs, in the manner of torchac (spec/nic-coding.md §7). Symbol i uses
/// row i of a CDF array laid out as (N, Lp): Lp = L + 1 cumulative values for an alphabet {0, …, L − 1}; the last
/// value of each row is taken to be 1 (float) or 2^16 (integer), whatever is stored. Stateless and thread-safe.
/// </summary>
public static class CdfCoder
{
    /// <summary>The largest Lp a row may have: 2^16 symbols of frequency 1, plus one.</summary>
    public const int MaxLp = RansConstants.Total + 1;

    /// <summary>Encodes <paramref name="symbols"/> under float CDF rows (values in [0, 1], non-decreasing).</summary>
    /// <param name="cdf">N·Lp values, row-major; N = <c>symbols.Length</c>.</param>
    /// <param name="lp">Values per row, L + 1 for L symbols (2 … <see cref="MaxLp"/>).</param>
    /// <param name="symbols">The symbols, each in 0 … Lp − 2.</param>
    /// <param name="options">Normalization and bounds checking; <see cref="CdfCodingOptions.Default"/> when null.</param>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.SymbolOutOfRange"/> or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static byte[] EncodeFloatCdf(ReadOnlySpan<float> cdf, int lp, ReadOnlySpan<int> symbols, CdfCodingOptions? options = null)
    {
        options ??= CdfCodingOptions.Default;
        CheckShape(cdf.Length, lp, symbols.Length);
        return Encode(new FloatRows(cdf, lp, options.NeedsNormalization), lp, symbols, options.CheckInputBounds, options.StreamForm);
    }

    /// <summary>Decodes a stream made by <see cref="EncodeFloatCdf"/>: one symbol per CDF row.</summary>
    /// <exception cref="NicCodecException">A damaged stream (<see cref="NicCodecError.EntropyPayloadTruncated"/>, <see cref="NicCodecError.EntropyPayloadCorrupt"/>) or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static int[] DecodeFloatCdf(ReadOnlySpan<float> cdf, int lp, ReadOnlySpan<byte> data, CdfCodingOptions? options = null)
    {
        options ??= CdfCodingOptions.Default;
        CheckShape(cdf.Length, lp, null);
        var symbols = new int[cdf.Length / lp];
        Decode(new FloatRows(cdf, lp, options.NeedsNormalization), lp, data, symbols, options.StreamForm);
        return symbols;
    }

    /// <summary>
    /// Encodes <paramref name="symbols"/> under normalized 16-bit integer CDF rows, stored as <see cref="short"/> and
    /// read as unsigned (values above 32767 appear negative), each row strictly rising; the last entry of a row is
    /// taken to be 2^16, which 16 bits cannot hold.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.SymbolOutOfRange"/> or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static byte[] EncodeInt16NormalizedCdf(ReadOnlySpan<short> cdf, int lp, ReadOnlySpan<int> symbols, bool checkInputBounds = true) =>
        EncodeInt16NormalizedCdf(cdf, lp, symbols, checkInputBounds, RansStreamForm.Standard);

    /// <summary>As <see cref="EncodeInt16NormalizedCdf(ReadOnlySpan{short}, int, ReadOnlySpan{int}, bool)"/>, writing a stream of the given form (spec/nic-coding.md §2.7).</summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.SymbolOutOfRange"/> or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static byte[] EncodeInt16NormalizedCdf(ReadOnlySpan<short> cdf, int lp, ReadOnlySpan<int> symbols, bool checkInputBounds, RansStreamForm form)
    {
        CheckShape(cdf.Length, lp, symbols.Length);
        return Encode(new Int16Rows(MemoryMarshal.Cast<short, ushort>(cdf), lp), lp, symbols, checkInputBounds, form);
    }

    /// <summary>Decodes a stream made by <see cref="EncodeInt16NormalizedCdf(ReadOnlySpan{short}, int, ReadOnlySpan{int}, bool)"/>: one symbol per CDF row.</summary>
    /// <exception cref="NicCodecException">A damaged stream or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static int[] DecodeInt16NormalizedCdf(ReadOnlySpan<short> cdf, int lp, ReadOnlySpan<byte> data) =>
        DecodeInt16NormalizedCdf(cdf, lp, data, RansStreamForm.Standard);

    /// <summary>Decodes a stream of the given form made by <see cref="EncodeInt16NormalizedCdf(ReadOnlySpan{short}, int, ReadOnlySpan{int}, bool, RansStreamForm)"/>.</summary>
    /// <exception cref="NicCodecException">A damaged stream or <see cref="NicCodecError.InvalidCdf"/>.</exception>
    public static int[] DecodeInt16NormalizedCdf(ReadOnlySpan<short> cdf, int lp, ReadOnlySpan<byte> data, RansStreamForm form)
    {
        CheckShape(cdf.Length, lp, null);
        var symbols = new int[cdf.Length / lp];
        Decode(new Int16Rows(MemoryMarshal.Cast<short, ushort>(cdf), lp), lp, data, symbols, form);
        return symbols;
    }

    /// <summary>
    /// Converts float CDF rows to the normalized int16 form that <see cref="EncodeInt16NormalizedCdf(ReadOnlySpan{short}, int, ReadOnlySpan{int}, bool)"/> takes, by the
    /// same rule the float API applies internally; coding with either gives identical bytes.
    /// </summary>
    public static short[] NormalizeFloatCdf(ReadOnlySpan<float> cdf, int lp, bool needsNormalization = true)
    {
        CheckShape(cdf.Length, lp, null);
        var rows = new FloatRows(cdf, lp, needsNormalization);
        var result = new short[cdf.Length];
        Span<int> row = lp <= 1024 ? stackalloc int[lp] : new int[lp];
        for (int r = 0; r < cdf.Length / lp; r++)
        {
            rows.Quantize(r, row);
            for (int i = 0; i < lp - 1; i++)
            {
                result[r * lp + i] = unchecked((short)(ushort)row[i]);
            }
        }

        return result;
    }

    private static void CheckShape(int cdfLength, int lp, int? symbolCount)
    {
        if (lp < 2 || lp > MaxLp)
        {
            throw new ArgumentOutOfRangeException(nameof(lp), lp, $"Lp must lie in 2..{MaxLp}");
        }

        if (cdfLength % lp != 0)
        {
            throw new ArgumentException($"the CDF holds {cdfLength} values, not a whole number of rows of {lp}");
        }

        if (symbolCount is int n && (long)n * lp != cdfLength)
        {
            throw new ArgumentException($"{n} symbols need {(long)n * lp} CDF values; {cdfLength} were given");
        }
    }

    private static byte[] Encode<TRows>(TRows rows, int lp, ReadOnlySpan<int> symbols, bool checkInputBounds, RansStreamForm form)
        where TRows : struct, ICdfRows, allows ref struct
    {
        if (checkInputBounds)
        {
            for (int i = 0; i < symbols.Length; i++)
            {
                if ((uint)symbols[i] > (uint)(lp - 2))
                {
                    ThrowOutOfRange(symbols[i], lp, i);
                }
            }
        }

        using var encoder = new RansEncoder(symbols.Length, form);
        Span<int> row = lp <= 1024 ? stackalloc int[lp] : new int[lp];
        for (int i = symbols.Length - 1; i >= 0; i--)
        {
            int s = symbols[i];
            if ((uint)s > (uint)(lp - 2))
            {
                // Reached only without the up-front check: the coder never reads outside a row.
                ThrowOutOfRange(s, lp, i);
            }

            rows.Quantize(i, row);
            encoder.Put((uint)row[s], (uint)(row[s + 1] - row[s]));
        }

        return encoder.Finish();
    }

    private static void Decode<TRows>(TRows rows, int lp, ReadOnlySpan<byte> data, Span<int> symbols, RansStreamForm form)
        where TRows : struct, ICdfRows, allows ref struct
    {
        var decoder = new RansDecoder(data, form);
        Span<int> row = lp <= 1024 ? stackalloc int[lp] : new int[lp];
        for (int i = 0; i < symbols.Length; i++)
        {
            rows.Quantize(i, row);
            uint slot = decoder.Slot;
            if (slot < (uint)row[0])
            {
                throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"slot {slot} lies below the row's first symbol ({row[0]})", i);
            }

            // The largest s in 0..Lp−2 with row[s] <= slot; row[Lp−1] = 2^16 exceeds every slot.
            int lo = 0, hi = lp - 2;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if ((uint)row[mid] <= slot)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            decoder.Advance((uint)row[lo], (uint)(row[lo + 1] - row[lo]), i);
            symbols[i] = lo;
        }

        decoder.VerifyEnd(symbols.Length);
    }

    private static void ThrowOutOfRange(int symbol, int lp, long position) =>
        throw new NicCodecException(NicCodecError.SymbolOutOfRange, $"symbol {symbol} is outside 0..{lp - 2} (Lp = {lp})", position);

    /// <summary>Produces row r of quantized cumulative frequencies: Lp strictly rising values ending at 2^16.</summary>
    private interface ICdfRows
    {
        void Quantize(int r, scoped Span<int> row);
    }

    private readonly ref struct FloatRows(ReadOnlySpan<float> cdf, int lp, bool normalize) : ICdfRows
    {
        private readonly ReadOnlySpan<float> _cdf = cdf;

        public void Quantize(int r, scoped Span<int> row)
        {
            ReadOnlySpan<float> values = _cdf.Slice(r * lp, lp);

            // Normalizing maps [0, 1] onto [0, 2^16 − (Lp − 1)] and adds i to entry i: a non-decreasing row becomes
            // strictly rising, so every symbol keeps a frequency of at least 1 (torchac's convention).
            double scale = normalize ? RansConstants.Total - (lp - 1) : RansConstants.Total;
            float previous = 0;
            for (int i = 0; i < lp - 1; i++)
            {
                float c = values[i];
                if (!float.IsFinite(c) || c < 0 || c > 1)
                {
                    throw new NicCodecException(NicCodecError.InvalidCdf, $"CDF row {r}, entry {i} is {c}; float CDF values must lie in [0, 1]", r);
                }

                if (c < previous)
                {
                    throw new NicCodecException(NicCodecError.InvalidCdf, $"CDF row {r} falls at entry {i} ({previous} → {c})", r);
                }

                previous = c;
                row[i] = (int)Math.Round(c * scale, MidpointRounding.ToEven) + (normalize ? i : 0);
            }

            row[lp - 1] = RansConstants.Total;
            if (!normalize)
            {
                CheckRising(row, r);
            }
        }
    }

    private readonly ref struct Int16Rows(ReadOnlySpan<ushort> cdf, int lp) : ICdfRows
    {
        private readonly ReadOnlySpan<ushort> _cdf = cdf;

        public void Quantize(int r, scoped Span<int> row)
        {
            ReadOnlySpan<ushort> values = _cdf.Slice(r * lp, lp - 1);
            for (int i = 0; i < values.Length; i++)
            {
                row[i] = values[i];
            }

            row[lp - 1] = RansConstants.Total;
            CheckRising(row, r);
        }
    }

    private static void CheckRising(ReadOnlySpan<int> row, int r)
    {
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] <= row[i - 1])
            {
                throw new NicCodecException(
                    NicCodecError.InvalidCdf,
                    $"CDF row {r} does not rise at entry {i} ({row[i - 1]} → {row[i]}): symbol {i - 1} would have zero frequency; normalize the CDF",
                    r);
            }
        }
    }
}
