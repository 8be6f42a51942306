using Nic.Codec.Entropy;
using static TorchSharp.torch;

namespace Nic.Torch.Entropy;

/// <summary>
/// Tensor overloads of Nic.Codec's torchac-style <see cref="CdfCoder"/> (spec/nic-coding.md §7): a CDF tensor of shape
/// (…, Lp) holds one row of Lp = L + 1 cumulative values per symbol, and the symbols tensor has the shape (…) of the
/// rows. Tensors may live on any device; they are copied to the CPU. The bytes are those of <see cref="CdfCoder"/>.
/// </summary>
public static class TorchCdfCoder
{
    /// <summary>Encodes <paramref name="symbols"/> (int16 or int32, shape (…)) under float32 CDF rows (…, Lp).</summary>
    /// <exception cref="ArgumentException">Element types or shapes do not match.</exception>
    /// <exception cref="Nic.Codec.NicCodecException">A symbol is out of range or a row is not a CDF.</exception>
    public static byte[] EncodeFloatCdf(Tensor cdf, Tensor symbols, CdfCodingOptions? options = null)
    {
        int lp = CheckCdf(cdf, ScalarType.Float32);
        CheckSymbols(cdf, symbols);
        return CdfCoder.EncodeFloatCdf(TensorData.ToArray<float>(cdf), lp, SymbolValues(symbols), options);
    }

    /// <summary>Decodes a stream made by <see cref="EncodeFloatCdf"/>: an int32 tensor of shape (…), one symbol per row.</summary>
    /// <exception cref="Nic.Codec.NicCodecException">The stream is damaged or a row is not a CDF.</exception>
    public static Tensor DecodeFloatCdf(Tensor cdf, ReadOnlySpan<byte> data, CdfCodingOptions? options = null)
    {
        int lp = CheckCdf(cdf, ScalarType.Float32);
        int[] symbols = CdfCoder.DecodeFloatCdf(TensorData.ToArray<float>(cdf), lp, data, options);
        return tensor(symbols).reshape(RowShape(cdf));
    }

    /// <summary>
    /// Encodes <paramref name="symbols"/> under normalized int16 CDF rows (…, Lp), read as unsigned 16-bit values with
    /// the last entry of each row taken to be 2^16 (the form <see cref="NormalizeFloatCdf"/> produces).
    /// </summary>
    public static byte[] EncodeInt16NormalizedCdf(Tensor cdf, Tensor symbols, bool checkInputBounds = true)
    {
        int lp = CheckCdf(cdf, ScalarType.Int16);
        CheckSymbols(cdf, symbols);
        return CdfCoder.EncodeInt16NormalizedCdf(TensorData.ToArray<short>(cdf), lp, SymbolValues(symbols), checkInputBounds);
    }

    /// <summary>Decodes a stream made by <see cref="EncodeInt16NormalizedCdf"/>: an int32 tensor of shape (…).</summary>
    public static Tensor DecodeInt16NormalizedCdf(Tensor cdf, ReadOnlySpan<byte> data)
    {
        int lp = CheckCdf(cdf, ScalarType.Int16);
        int[] symbols = CdfCoder.DecodeInt16NormalizedCdf(TensorData.ToArray<short>(cdf), lp, data);
        return tensor(symbols).reshape(RowShape(cdf));
    }

    /// <summary>The normalized int16 rows (…, Lp) of float32 rows, by the rule the float API applies internally.</summary>
    public static Tensor NormalizeFloatCdf(Tensor cdf, bool needsNormalization = true)
    {
        int lp = CheckCdf(cdf, ScalarType.Float32);
        short[] rows = CdfCoder.NormalizeFloatCdf(TensorData.ToArray<float>(cdf), lp, needsNormalization);
        return tensor(rows).reshape(cdf.shape);
    }

    private static int CheckCdf(Tensor cdf, ScalarType elementType)
    {
        ArgumentNullException.ThrowIfNull(cdf);
        if (cdf.dtype != elementType)
        {
            throw new ArgumentException($"the CDF tensor must be {elementType}; got {cdf.dtype}", nameof(cdf));
        }

        if (cdf.dim() < 1 || cdf.shape[^1] < 2 || cdf.shape[^1] > CdfCoder.MaxLp)
        {
            throw new ArgumentException($"the CDF tensor must have shape (…, Lp) with 2 ≤ Lp ≤ {CdfCoder.MaxLp}; got {TensorData.Shape(cdf)}", nameof(cdf));
        }

        if (cdf.numel() > Array.MaxLength)
        {
            throw new ArgumentException($"the CDF tensor has {cdf.numel()} values, more than an array holds", nameof(cdf));
        }

        return (int)cdf.shape[^1];
    }

    private static void CheckSymbols(Tensor cdf, Tensor symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (symbols.dtype != ScalarType.Int16 && symbols.dtype != ScalarType.Int32)
        {
            throw new ArgumentException($"symbols must be int16 or int32; got {symbols.dtype}", nameof(symbols));
        }

        long[] rows = RowShape(cdf);
        if (!symbols.shape.SequenceEqual(rows))
        {
            throw new ArgumentException($"symbols must have the shape of the CDF rows, [{string.Join(", ", rows)}]; got {TensorData.Shape(symbols)}", nameof(symbols));
        }
    }

    private static int[] SymbolValues(Tensor symbols) =>
        symbols.dtype == ScalarType.Int32
            ? TensorData.ToArray<int>(symbols)
            : Array.ConvertAll(TensorData.ToArray<short>(symbols), s => (int)s);

    private static long[] RowShape(Tensor cdf) => cdf.shape[..^1];
}
