using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.EntropyModels;

/// <summary>
/// The inference side of the entropy bottleneck (spec/nic-coding.md §10.1): codes a latent — ẑ of the hyperprior
/// models, y of the factorized model — channel by channel under the frozen per-channel tables, centred on the learned
/// medians. Immutable and thread-safe.
/// </summary>
public sealed class EntropyBottleneckCoder
{
    private readonly QuantizedCdfTables _tables;
    private readonly float[] _medians;

    /// <summary>Creates a coder from one table and one median per channel.</summary>
    /// <exception cref="ArgumentException">The counts of tables and medians differ.</exception>
    public EntropyBottleneckCoder(QuantizedCdfTables tables, ReadOnlySpan<float> medians)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count != medians.Length)
        {
            throw new ArgumentException($"{tables.Count} tables but {medians.Length} medians");
        }

        _tables = tables;
        _medians = medians.ToArray();
    }

    /// <summary>The bottleneck of a model file.</summary>
    /// <exception cref="InvalidOperationException">The model has no entropy bottleneck.</exception>
    public static EntropyBottleneckCoder FromModel(NicModelFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        QuantizedCdfTables tables = file.EntropyBottleneckTables ?? throw new InvalidOperationException($"{file.Architecture} has no entropy bottleneck");
        return new EntropyBottleneckCoder(tables, file.EntropyBottleneckMedians.Span);
    }

    /// <summary>The number of channels.</summary>
    public int Channels => _medians.Length;

    /// <summary>Quantizes and codes <paramref name="latent"/>; <paramref name="quantized"/> receives the decoder's reconstruction.</summary>
    /// <exception cref="ArgumentException">The channel count differs, or an element is not finite.</exception>
    public byte[] Compress(FeatureMap latent, out FeatureMap quantized) => Compress(latent, RansStreamForm.Standard, out quantized);

    /// <summary>
    /// Quantizes and codes <paramref name="latent"/> in the stream form <paramref name="form"/> (spec/nic-coding.md §2.5
    /// or §2.7; <c>.nic</c> bands are always standard); <paramref name="quantized"/> receives the decoder's reconstruction.
    /// </summary>
    /// <exception cref="ArgumentException">The channel count differs, or an element is not finite.</exception>
    public byte[] Compress(FeatureMap latent, RansStreamForm form, out FeatureMap quantized)
    {
        int[] values = Quantize(latent, out quantized);
        return IndexedEntropyCoder.Encode(values, ChannelIndexes(latent.Height * latent.Width), _tables, form);
    }

    /// <summary>The bits an ideal coder would spend on <paramref name="latent"/>: the rate estimate.</summary>
    public double InformationBits(FeatureMap latent)
    {
        int[] values = Quantize(latent, out _);
        return IndexedEntropyCoder.InformationBits(values, ChannelIndexes(latent.Height * latent.Width), _tables);
    }

    /// <summary>Decodes a latent of <see cref="Channels"/> × <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <exception cref="NicCodecException">The stream is damaged.</exception>
    public FeatureMap Decompress(ReadOnlySpan<byte> data, int height, int width) => Dequantize(DecodeSymbols(data, height, width), height, width);

    /// <summary>Decodes a latent coded by <see cref="Compress(FeatureMap, RansStreamForm, out FeatureMap)"/> in the stream form <paramref name="form"/>.</summary>
    /// <exception cref="NicCodecException">The stream is damaged.</exception>
    public FeatureMap Decompress(ReadOnlySpan<byte> data, int height, int width, RansStreamForm form)
    {
        int[] values = GC.AllocateUninitializedArray<int>(checked(Channels * height * width));
        IndexedEntropyCoder.Decode(data, ChannelIndexes(height * width), _tables, values, form);
        return Dequantize(values, height, width);
    }

    /// <summary>Decodes the integer symbols (value − median, rounded) of a latent, in coding order: channel, row, column.</summary>
    /// <exception cref="NicCodecException">The stream is damaged.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public int[] DecodeSymbols(ReadOnlySpan<byte> data, int height, int width, CancellationToken cancellationToken = default)
    {
        // Every element is written by the decoder before the array is returned.
        int[] values = GC.AllocateUninitializedArray<int>(checked(Channels * height * width));
        IndexedEntropyCoder.Decode(data, ChannelIndexes(height * width, cancellationToken), _tables, values, cancellationToken);
        return values;
    }

    /// <summary>Codes integer symbols directly (the conformance suite's extreme values): what <see cref="DecodeSymbols"/> returns.</summary>
    /// <exception cref="ArgumentException">The count is not <see cref="Channels"/> · height · width.</exception>
    public byte[] EncodeSymbols(ReadOnlySpan<int> symbols, int height, int width)
    {
        if (symbols.Length != (long)Channels * height * width)
        {
            throw new ArgumentException($"{symbols.Length} symbols do not make {Channels}×{height}×{width}", nameof(symbols));
        }

        return IndexedEntropyCoder.Encode(symbols, ChannelIndexes(height * width), _tables);
    }

    /// <summary>The latent of decoded symbols: each plus its channel's median.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (it is looked at before each channel).</exception>
    public FeatureMap Dequantize(ReadOnlySpan<int> symbols, int height, int width, CancellationToken cancellationToken = default)
    {
        var latent = new FeatureMap(Channels, height, width);
        for (int c = 0, i = 0; c < Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int end = i + latent.PlaneSize; i < end && i < symbols.Length; i++)
            {
                latent.Data[i] = LatentQuantizer.Dequantize(symbols[i], _medians[c]);
            }
        }

        return latent;
    }

    private int[] Quantize(FeatureMap latent, out FeatureMap quantized)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.Channels != Channels)
        {
            throw new ArgumentException($"the bottleneck has {Channels} channels, the latent {latent.Channels}", nameof(latent));
        }

        quantized = new FeatureMap(latent.Channels, latent.Height, latent.Width);
        var values = new int[latent.Data.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float median = _medians[i / latent.PlaneSize];
            values[i] = LatentQuantizer.Quantize(latent.Data[i], median, i);
            quantized.Data[i] = LatentQuantizer.Dequantize(values[i], median);
        }

        return values;
    }

    private int[] ChannelIndexes(int planeSize, CancellationToken cancellationToken = default)
    {
        int[] indexes = GC.AllocateUninitializedArray<int>(checked(Channels * planeSize));
        for (int c = 0; c < Channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            indexes.AsSpan(c * planeSize, planeSize).Fill(c);
        }

        return indexes;
    }
}
