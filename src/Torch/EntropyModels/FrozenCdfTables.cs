using Nic.Codec.Entropy;
using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// Converts between <see cref="QuantizedCdfTables"/> and the three integer tensors a model file stores for a table set
/// (spec/nic-model.md §6): <c>_quantized_cdf</c> [T, Lmax] (each row's CDF, escape interval included, then zeros),
/// <c>_offset</c> [T] and <c>_cdf_length</c> [T], all int32.
/// </summary>
public static class FrozenCdfTables
{
    /// <summary>The three tensors of <paramref name="tables"/>, on the CPU.</summary>
    public static (Tensor QuantizedCdf, Tensor Offset, Tensor CdfLength) ToTensors(QuantizedCdfTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        int count = tables.Count;
        (int[] cdf, int maxLength, int[] offsets, int[] lengths) = tables.ToPaddedLayout();
        return (tensor(cdf, [count, maxLength]), tensor(offsets), tensor(lengths));
    }

    /// <summary>
    /// The tables that the three tensors hold (int32; <c>_quantized_cdf</c> 2-D, the other two 1-D of the same T).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes, element types or lengths are inconsistent.</exception>
    /// <exception cref="Nic.Codec.NicCodecException">A row is not a valid quantized CDF.</exception>
    public static QuantizedCdfTables FromTensors(Tensor quantizedCdf, Tensor offset, Tensor cdfLength)
    {
        ArgumentNullException.ThrowIfNull(quantizedCdf);
        ArgumentNullException.ThrowIfNull(offset);
        ArgumentNullException.ThrowIfNull(cdfLength);
        if (quantizedCdf.dim() != 2 || offset.dim() != 1 || cdfLength.dim() != 1
            || offset.shape[0] != quantizedCdf.shape[0] || cdfLength.shape[0] != quantizedCdf.shape[0] || quantizedCdf.shape[0] == 0)
        {
            throw new ArgumentException(
                $"expected _quantized_cdf [T, Lmax], _offset [T] and _cdf_length [T] with T ≥ 1; got [{string.Join(", ", quantizedCdf.shape)}], [{string.Join(", ", offset.shape)}], [{string.Join(", ", cdfLength.shape)}]");
        }

        if (quantizedCdf.dtype != ScalarType.Int32 || offset.dtype != ScalarType.Int32 || cdfLength.dtype != ScalarType.Int32)
        {
            throw new ArgumentException($"the table tensors must be int32; got {quantizedCdf.dtype}, {offset.dtype}, {cdfLength.dtype}");
        }

        int count = (int)quantizedCdf.shape[0], maxLength = (int)quantizedCdf.shape[1];
        int[] flat = TensorData.ToArray<int>(quantizedCdf);
        int[] offsets = TensorData.ToArray<int>(offset);
        int[] lengths = TensorData.ToArray<int>(cdfLength);
        var cdfs = new int[count][];
        for (int t = 0; t < count; t++)
        {
            if (lengths[t] < 3 || lengths[t] > maxLength)
            {
                throw new ArgumentException($"_cdf_length[{t}] is {lengths[t]}; it must lie in 3 … {maxLength}");
            }

            cdfs[t] = flat.AsSpan(t * maxLength, lengths[t]).ToArray();
        }

        return QuantizedCdfTables.FromCdfs(cdfs, offsets);
    }
}
