using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.EntropyModels;

/// <summary>
/// The inference side of the Gaussian conditional (spec/nic-coding.md §10.2): codes the latent y band by band, each
/// element under the table its σ selects (<see cref="ScaleIndexer"/>), centred on its mean μ (0 for the scale
/// hyperprior). σ and μ come from the deterministic h_s, so encoder and decoder pick the same tables on every
/// machine. Immutable and thread-safe.
/// </summary>
public sealed class GaussianConditionalCoder
{
    private readonly QuantizedCdfTables _tables;
    private readonly float[] _scaleTable;

    /// <summary>Creates a coder from the tables and their rising scale table.</summary>
    /// <exception cref="ArgumentException">The counts of tables and scales differ, or the scales do not rise.</exception>
    public GaussianConditionalCoder(QuantizedCdfTables tables, ReadOnlySpan<float> scaleTable)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count != scaleTable.Length)
        {
            throw new ArgumentException($"{tables.Count} tables but {scaleTable.Length} scales");
        }

        for (int i = 0; i < scaleTable.Length; i++)
        {
            if (!(scaleTable[i] > 0) || !float.IsFinite(scaleTable[i]) || (i > 0 && !(scaleTable[i] > scaleTable[i - 1])))
            {
                throw new ArgumentException($"scale {i} is {scaleTable[i]}; scales must be positive, finite and strictly rising", nameof(scaleTable));
            }
        }

        _tables = tables;
        _scaleTable = scaleTable.ToArray();
    }

    /// <summary>The Gaussian conditional of a model file.</summary>
    /// <exception cref="InvalidOperationException">The model has no Gaussian conditional.</exception>
    public static GaussianConditionalCoder FromModel(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        QuantizedCdfTables tables = file.GaussianConditionalTables ?? throw new InvalidOperationException($"{file.Architecture} has no Gaussian conditional");
        return new GaussianConditionalCoder(tables, file.ScaleTable.Span);
    }

    /// <summary>
    /// Quantizes and codes the rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1
    /// of <paramref name="latent"/> as one independent stream, and writes their reconstruction into the same rows of
    /// <paramref name="quantized"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes differ, the rows are out of range, or an element is not finite.</exception>
    public byte[] CompressRows(FeatureMap latent, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized)
    {
        CheckShapes(latent, parameters, quantized, firstRow, rowCount);
        int[] indexes = BandIndexes(parameters, firstRow, rowCount);
        var values = new int[indexes.Length];
        int band = rowCount * latent.Width;
        for (int c = 0, i = 0; c < latent.Channels; c++)
        {
            int start = c * latent.PlaneSize + firstRow * latent.Width;
            for (int offset = start; offset < start + band; offset++, i++)
            {
                float mean = parameters.Means?.Data[offset] ?? 0f;
                values[i] = LatentQuantizer.Quantize(latent.Data[offset], mean, offset);
                quantized.Data[offset] = LatentQuantizer.Dequantize(values[i], mean);
            }
        }

        return IndexedEntropyCoder.Encode(values, indexes, _tables);
    }

    /// <summary>
    /// Decodes a band made by <see cref="CompressRows"/> into the rows <paramref name="firstRow"/> … of
    /// <paramref name="quantized"/>.
    /// </summary>
    /// <exception cref="NicCodecException">The stream is damaged.</exception>
    public void DecompressRows(ReadOnlySpan<byte> data, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized) =>
        DequantizeRows(DecodeSymbols(data, parameters, firstRow, rowCount), parameters, firstRow, rowCount, quantized);

    /// <summary>Decodes a band's integer symbols (round(y − μ)), in coding order: channel, row, column.</summary>
    /// <exception cref="NicCodecException">The stream is damaged.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int[] DecodeSymbols(ReadOnlySpan<byte> data, EntropyParameters parameters, int firstRow, int rowCount, CancellationToken cancellationToken = default)
    {
        CheckShapes(parameters.Scales, parameters, parameters.Scales, firstRow, rowCount);
        int[] indexes = BandIndexes(parameters, firstRow, rowCount, cancellationToken);

        // Every element is written by the decoder before the array is returned.
        int[] values = GC.AllocateUninitializedArray<int>(indexes.Length);
        IndexedEntropyCoder.Decode(data, indexes, _tables, values, cancellationToken);
        return values;
    }

    /// <summary>Codes a band's integer symbols directly (the conformance suite's extreme values): what <see cref="DecodeSymbols"/> returns.</summary>
    /// <exception cref="ArgumentException">The count does not match the band.</exception>
    public byte[] EncodeSymbols(ReadOnlySpan<int> symbols, EntropyParameters parameters, int firstRow, int rowCount)
    {
        CheckShapes(parameters.Scales, parameters, parameters.Scales, firstRow, rowCount);
        int[] indexes = BandIndexes(parameters, firstRow, rowCount);
        if (symbols.Length != indexes.Length)
        {
            throw new ArgumentException($"{symbols.Length} symbols for a band of {indexes.Length}", nameof(symbols));
        }

        return IndexedEntropyCoder.Encode(symbols, indexes, _tables);
    }

    /// <summary>Writes the reconstruction of a band's symbols (symbol + μ) into its rows of <paramref name="quantized"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (it is looked at before each channel).</exception>
    public void DequantizeRows(ReadOnlySpan<int> symbols, EntropyParameters parameters, int firstRow, int rowCount, FeatureMap quantized, CancellationToken cancellationToken = default)
    {
        CheckShapes(quantized, parameters, quantized, firstRow, rowCount);
        int band = rowCount * quantized.Width;
        if (symbols.Length != quantized.Channels * band)
        {
            throw new ArgumentException($"{symbols.Length} symbols for a band of {quantized.Channels * band}", nameof(symbols));
        }

        for (int c = 0, i = 0; c < quantized.Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int start = c * quantized.PlaneSize + firstRow * quantized.Width;
            for (int offset = start; offset < start + band; offset++, i++)
            {
                quantized.Data[offset] = LatentQuantizer.Dequantize(symbols[i], parameters.Means?.Data[offset] ?? 0f);
            }
        }
    }

    /// <summary>
    /// The table indexes of the band's elements, in coding order: channel, then row, then column; a channel at a time,
    /// looking at the token before each (a band of a large image holds millions of elements).
    /// </summary>
    private int[] BandIndexes(EntropyParameters parameters, int firstRow, int rowCount, CancellationToken cancellationToken = default)
    {
        FeatureMap scales = parameters.Scales;
        int band = rowCount * scales.Width;
        int[] indexes = GC.AllocateUninitializedArray<int>(scales.Channels * band);
        for (int c = 0; c < scales.Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ScaleIndexer.Index(scales.Data.AsSpan(c * scales.PlaneSize + firstRow * scales.Width, band), _scaleTable, indexes.AsSpan(c * band, band));
        }

        return indexes;
    }

    private void CheckShapes(FeatureMap latent, EntropyParameters parameters, FeatureMap quantized, int firstRow, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(quantized);
        FeatureMap s = parameters.Scales;
        foreach (FeatureMap map in new[] { latent, quantized, parameters.Means ?? s })
        {
            if ((map.Channels, map.Height, map.Width) != (s.Channels, s.Height, s.Width))
            {
                throw new ArgumentException($"a map of {map.Channels}×{map.Height}×{map.Width} does not match the scales' {s.Channels}×{s.Height}×{s.Width}");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rowCount, s.Height, nameof(rowCount));
    }
}
