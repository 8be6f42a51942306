using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Format;
using Nic.Codec.Pipeline;

namespace Nic.Codec;

/// <summary>
/// One streaming decode (spec/nic-coding.md §11.4): the header, the metadata and ẑ are read by
/// <see cref="NicCodec.OpenAsync(Stream, CancellationToken)"/>; <see cref="ReadRowsAsync"/> then decodes y band by band
/// and hands out image rows as soon as the bands they depend on have arrived, so memory stays bounded by the latent
/// and one band of synthesis, and output starts before the input has fully arrived. The image is complete and valid
/// only once the enumeration has finished (it checks the end of the file last). Not thread-safe; read it once.
/// </summary>
public sealed class NicRowDecoder : IAsyncDisposable, IDisposable
{
    /// <summary>The most latent rows one synthesis call covers, which bounds the memory of g_s.</summary>
    internal const int MaxSynthesisRows = 8;

    private readonly NicReader _reader;
    private readonly bool _ownsReader;
    private readonly CodecModel _model;
    private readonly EntropyParameters? _parameters;
    private readonly IncrementalHash _symbols;
    private readonly long _startTimestamp;
    private Activity? _activity;
    private bool _started;
    private bool _recorded;

    private NicRowDecoder(NicReader reader, bool ownsReader, CodecModel model, NicImageInfo info, EntropyParameters? parameters, IncrementalHash symbols, long startTimestamp, Activity? activity)
    {
        _reader = reader;
        _ownsReader = ownsReader;
        _model = model;
        Info = info;
        _parameters = parameters;
        _symbols = symbols;
        _startTimestamp = startTimestamp;
        _activity = activity;
    }

    /// <summary>The header and metadata of the file.</summary>
    public NicImageInfo Info { get; }

    /// <summary>
    /// SHA-256 of every decoded symbol — the z symbols, then the y symbols of band 0, 1, … — each as a little-endian
    /// 32-bit integer in coding order (spec/nic-coding.md §10); null until <see cref="ReadRowsAsync"/> has finished.
    /// Two decoders agree on the entropy layer exactly when these agree (the conformance suite compares them).
    /// </summary>
    public byte[]? SymbolsSha256 { get; private set; }

    /// <summary>The name of the engine that synthesizes the rows.</summary>
    public string Backend => _model.Backend.Name;

    internal static async Task<NicRowDecoder> OpenAsync(NicReader reader, bool ownsReader, Func<NicHeader, CodecModel> models, NicCodecOptions options, long fileLength, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        Activity? decode = NicCodecTelemetry.StartActivity("nic.decode");
        Activity? open = decode is null ? null : NicCodecTelemetry.StartActivity("nic.open");
        string? modelName = null;
        try
        {
            NicHeader header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            modelName = header.Model.Name;
            CodecModel model = models(header);
            CheckShapes(header, model);
            CheckLimits(header, model, options);
            NicMetadata metadata = await reader.ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
            EntropyParameters? parameters = null;
            var symbols = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (model.HasHyperprior)
            {
                ReadOnlySequence<byte> z = await reader.ReadZSubstreamAsync(cancellationToken).ConfigureAwait(false);
                int[] zSymbols = model.Bottleneck.DecodeSymbols(Contiguous(z), header.ZShape.Height, header.ZShape.Width, cancellationToken);
                AppendSymbols(symbols, zSymbols, cancellationToken);
                parameters = model.Managed.HyperSynthesize(model.Bottleneck.Dequantize(zSymbols, header.ZShape.Height, header.ZShape.Width, cancellationToken), cancellationToken);
            }

            var info = new NicImageInfo(header, metadata, reader.FormatVersion!, fileLength);
            NicCodecTelemetry.TagImage(decode, header.Width, header.Height, fileLength);
            open?.Stop();
            return new NicRowDecoder(reader, ownsReader, model, info, parameters, symbols, start, decode);
        }
        catch (Exception exception)
        {
            if (open is not null)
            {
                open.SetStatus(ActivityStatusCode.Error, exception.Message);
                open.Stop();
            }

            NicCodecTelemetry.Record(NicCodecTelemetry.Decode, NicCodecTelemetry.OutcomeOf(exception), modelName, start, 0, 0, exception, decode);
            if (ownsReader)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Decodes the y bands as they arrive and yields the image rows, top to bottom, in blocks of up to 128 rows.
    /// </summary>
    /// <exception cref="NicException">The file is damaged (a <see cref="NicFormatException"/> or <see cref="NicCodecException"/> with its code).</exception>
    /// <exception cref="InvalidOperationException">The rows were already read.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled; it is looked at throughout the entropy decoding and the
    /// synthesis of a band, so the enumeration stops within milliseconds.
    /// </exception>
    public async IAsyncEnumerable<RgbRowBlock> ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            throw new InvalidOperationException("the rows of a decode can be read once");
        }

        _started = true;
        IAsyncEnumerator<RgbRowBlock> rows = ReadRowsCoreAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (rows.ConfigureAwait(false))
        {
            bool ended = false;
            try
            {
                while (true)
                {
                    RgbRowBlock block;
                    try
                    {
                        if (!await rows.MoveNextAsync().ConfigureAwait(false))
                        {
                            ended = true;
                            break;
                        }

                        block = rows.Current;
                    }
                    catch (Exception exception)
                    {
                        ended = true;
                        RecordDecode(NicCodecTelemetry.OutcomeOf(exception), exception);
                        throw;
                    }

                    yield return block;
                }
            }
            finally
            {
                if (!ended)
                {
                    RecordDecode(NicCodecTelemetry.Abandoned, null);
                }
            }
        }

        RecordDecode(NicCodecTelemetry.Success, null);
    }

    /// <summary>The decode of <see cref="ReadRowsAsync"/>, without its telemetry.</summary>
    private async IAsyncEnumerable<RgbRowBlock> ReadRowsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        NicHeader header = Info.Header;
        IInferenceBackend backend = _model.Backend;
        const int Factor = CodecModel.LatentFactor;
        int halo = backend.SynthesisHalo;
        var quantized = FeatureMap.Zeroed(header.YShape.Channels, header.YShape.Height, header.YShape.Width, cancellationToken);

        // The managed engine streams g_s (each row of each layer computed once, spec/nic-model.md §10.1); other
        // backends synthesize each run on a window with the halo.
        ManagedModel? streaming = backend as ManagedModel;
        SynthesisStream? stream = streaming?.OpenSynthesisStream(quantized);
        FeatureMap? synthesis = null;
        int synthesized = 0;
        await foreach (NicBand band in _reader.ReadBandsAsync(cancellationToken).ConfigureAwait(false))
        {
            DecodeBand(band, quantized, cancellationToken);
            foreach ((int first, int rows) in SynthesisRuns(header, halo, band.FirstRow + band.RowCount, synthesized))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (synthesis is null || synthesis.Height != rows * Factor)
                {
                    synthesis = new FeatureMap(backend.OutputChannels, rows * Factor, quantized.Width * Factor);
                }

                if (stream is not null)
                {
                    streaming!.SynthesizeRows(stream, first, rows, band.FirstRow + band.RowCount, synthesis, cancellationToken);
                }
                else
                {
                    backend.SynthesizeRows(quantized, first, rows, synthesis, cancellationToken);
                }

                int firstPixelRow = first * Factor;
                int pixelRows = Math.Min(rows * Factor, header.Height - firstPixelRow);
                var pixels = new byte[(long)pixelRows * header.Width * RgbImage.BytesPerPixel];
                ImagePlanes.ToPixels(synthesis, 0, pixelRows, header.Width, pixels);
                synthesized = first + rows;
                yield return new RgbRowBlock(firstPixelRow, pixelRows, header.Width, pixels);
            }
        }

        SymbolsSha256 = _symbols.GetHashAndReset();
    }

    /// <summary>Decodes every row into one image carrying the file's metadata.</summary>
    /// <exception cref="NicException">The file is damaged.</exception>
    public async Task<RgbImage> ReadImageAsync(CancellationToken cancellationToken = default)
    {
        var image = new RgbImage(Info.Width, Info.Height) { Metadata = Info.Metadata };
        await foreach (RgbRowBlock block in ReadRowsAsync(cancellationToken).ConfigureAwait(false))
        {
            block.Pixels.Span.CopyTo(image.Pixels.AsSpan(block.FirstRow * image.Stride));
        }

        return image;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        RecordDecode(NicCodecTelemetry.Abandoned, null);
        _symbols.Dispose();
        if (_ownsReader)
        {
            _reader.Dispose();
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        RecordDecode(NicCodecTelemetry.Abandoned, null);
        _symbols.Dispose();
        return _ownsReader ? _reader.DisposeAsync() : ValueTask.CompletedTask;
    }

    /// <summary>Checks that the header's shapes are the ones the model makes of an image of its size (§11.4).</summary>
    internal static void CheckShapes(NicHeader header, CodecModel model)
    {
        int paddedWidth = ImagePlanes.Align(header.Width, header.Alignment);
        int paddedHeight = ImagePlanes.Align(header.Height, header.Alignment);
        string? problem = null;
        if (paddedWidth % model.Alignment != 0 || paddedHeight % model.Alignment != 0)
        {
            problem = $"the alignment {header.Alignment} does not pad to a multiple of {model.Alignment}";
        }
        else
        {
            const int Factor = CodecModel.LatentFactor;
            var y = new NicLatentShape(model.M, paddedHeight / Factor, paddedWidth / Factor);
            NicLatentShape z = model.HasHyperprior ? new NicLatentShape(model.N, paddedHeight / 64, paddedWidth / 64) : NicLatentShape.Empty;
            if (header.YShape != y)
            {
                problem = $"y is {header.YShape}; the model makes {y} of a {header.Width}×{header.Height} image";
            }
            else if (header.ZShape != z)
            {
                problem = $"z is {header.ZShape}; the model makes {(z.IsEmpty ? "none" : z.ToString())} of a {header.Width}×{header.Height} image";
            }
        }

        if (problem is not null)
        {
            throw new NicCodecException(NicCodecError.LatentShapeMismatch, $"model {header.Model.Name}: {problem}");
        }
    }

    /// <summary>
    /// The latent rows that can be synthesized once the bands up to latent row <paramref name="end"/> (exclusive) are
    /// decoded: all but the last <paramref name="halo"/> of them, or all at the last band; only the rows the image needs.
    /// </summary>
    internal static int ReadyRows(NicHeader header, int halo, int end)
    {
        int needed = (header.Height + CodecModel.LatentFactor - 1) / CodecModel.LatentFactor;
        return Math.Min(needed, end == header.YShape.Height ? end : end - halo);
    }

    /// <summary>
    /// The runs of latent rows g_s synthesizes once the bands up to latent row <paramref name="end"/> are decoded, from
    /// row <paramref name="synthesized"/> on: up to <see cref="MaxSynthesisRows"/> rows each, up to
    /// <see cref="ReadyRows"/>. The decode follows this schedule, and the memory estimate sums its windows.
    /// </summary>
    internal static IEnumerable<(int FirstRow, int Rows)> SynthesisRuns(NicHeader header, int halo, int end, int synthesized)
    {
        int ready = ReadyRows(header, halo, end);
        for (int first = synthesized; first < ready; first += MaxSynthesisRows)
        {
            yield return (first, Math.Min(MaxSynthesisRows, ready - first));
        }
    }

    /// <summary>
    /// Refuses a file whose decode would exceed the options' limits (spec/nic-coding.md §11.7): the pixel count, the estimated working
    /// memory, or a buffer longer than the largest array. Runs on the header alone, before the decode allocates.
    /// </summary>
    internal static void CheckLimits(NicHeader header, CodecModel model, NicCodecOptions options)
    {
        long pixels = (long)header.Width * header.Height;
        if (pixels > options.MaxDecodePixels)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"the image is {header.Width}×{header.Height} = {pixels:N0} pixels, above the decoder's limit of {options.MaxDecodePixels:N0} (NicCodecOptions.MaxDecodePixels)");
        }

        DecodeMemoryEstimate estimate = DecodeMemory.Estimate(header, model);
        if (estimate.Bytes > options.MaxDecodeMemoryBytes)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"decoding the {header.Width}×{header.Height} image with {header.Model.Name} would take about {Mebibytes(estimate.Bytes)}, above the decoder's limit of {Mebibytes(options.MaxDecodeMemoryBytes)} (NicCodecOptions.MaxDecodeMemoryBytes)");
        }

        if (estimate.LargestBufferElements > Array.MaxLength)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"decoding the {header.Width}×{header.Height} image with {header.Model.Name} needs a buffer of {estimate.LargestBufferElements:N0} elements, more than the largest array ({Array.MaxLength:N0})");
        }
    }

    /// <summary>Records the end of this decode on the codec's metrics and activity, once.</summary>
    private void RecordDecode(string outcome, Exception? exception)
    {
        if (_recorded)
        {
            return;
        }

        _recorded = true;
        long pixelBytes = outcome == NicCodecTelemetry.Success ? Info.Header.Width * (long)Info.Header.Height * RgbImage.BytesPerPixel : 0;
        NicCodecTelemetry.Record(NicCodecTelemetry.Decode, outcome, Info.Model.Name, _startTimestamp, Info.FileLength, pixelBytes, exception, _activity);
        _activity = null;
    }

    private static string Mebibytes(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    private void DecodeBand(NicBand band, FeatureMap quantized, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> data = Contiguous(band.Payload);
        if (_parameters is null)
        {
            int[] symbols = _model.Bottleneck.DecodeSymbols(data, band.RowCount, quantized.Width, cancellationToken);
            AppendSymbols(_symbols, symbols, cancellationToken);
            FeatureMap rows = _model.Bottleneck.Dequantize(symbols, band.RowCount, quantized.Width, cancellationToken);
            for (int c = 0; c < quantized.Channels; c++)
            {
                rows.Plane(c).CopyTo(quantized.Data.AsSpan((c * quantized.PlaneSize) + (band.FirstRow * quantized.Width)));
            }
        }
        else
        {
            int[] symbols = _model.Gaussian!.DecodeSymbols(data, _parameters, band.FirstRow, band.RowCount, cancellationToken);
            AppendSymbols(_symbols, symbols, cancellationToken);
            _model.Gaussian.DequantizeRows(symbols, _parameters, band.FirstRow, band.RowCount, quantized, cancellationToken);
        }
    }

    /// <summary>Hashes the symbols a megabyte at a time, looking at the token between pieces (a band may hold millions).</summary>
    private static void AppendSymbols(IncrementalHash hash, int[] symbols, CancellationToken cancellationToken)
    {
        if (!BitConverter.IsLittleEndian)
        {
            symbols = [.. symbols.Select(BinaryPrimitives.ReverseEndianness)];
        }

        const int Piece = 1 << 18;
        for (int start = 0; start < symbols.Length; start += Piece)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(MemoryMarshal.AsBytes(symbols.AsSpan(start, Math.Min(Piece, symbols.Length - start))));
        }
    }

    private static ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> bytes) => bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();
}
