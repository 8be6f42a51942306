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
    private readonly NicReader _reader;
    private readonly bool _ownsReader;
    private readonly CodecModel _model;
    private readonly DecodePlan _plan;
    private readonly EntropyParameters? _parameters;
    private readonly IncrementalHash _symbols;
    private readonly long _startTimestamp;
    private Activity? _activity;
    private bool _started;
    private bool _recorded;

    private NicRowDecoder(NicReader reader, bool ownsReader, DecodePlan plan, NicImageInfo info, EntropyParameters? parameters, IncrementalHash symbols, long startTimestamp, Activity? activity)
    {
        _reader = reader;
        _ownsReader = ownsReader;
        _model = plan.Model;
        _plan = plan;
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
        Activity? decode = NicCodecTelemetry.StartActivity(NicCodecTelemetry.DecodeActivity);
        Activity? open = decode is null ? null : NicCodecTelemetry.StartActivity(NicCodecTelemetry.OpenActivity);
        string? modelName = null;
        try
        {
            NicHeader header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            modelName = header.Model.Name;
            CodecModel model = models(header);
            var plan = DecodePlan.Create(header, model);
            plan.CheckLimits(options);
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
            return new NicRowDecoder(reader, ownsReader, plan, info, parameters, symbols, start, decode);
        }
        catch (Exception exception)
        {
            if (open is not null)
            {
                NicCodecTelemetry.Failed(open, exception);
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
        int factor = _model.LatentFactor;
        var quantized = FeatureMap.Zeroed(header.YShape.Channels, header.YShape.Height, header.YShape.Width, cancellationToken);

        // The managed engine streams g_s (each row of each layer computed once, spec/nic-model.md §10.1); other
        // backends synthesize each run on a window with the halo. The plan says which rows each band releases.
        ManagedModel? streaming = _plan.Streams ? (ManagedModel)backend : null;
        SynthesisStream? stream = streaming?.OpenSynthesisStream(quantized);
        FeatureMap? synthesis = null;
        await foreach (NicBand band in _reader.ReadBandsAsync(cancellationToken).ConfigureAwait(false))
        {
            DecodeBand(band, quantized, cancellationToken);
            foreach ((int first, int rows) in _plan.RunsAfterBand(band.Index))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (synthesis is null || synthesis.Height != rows * factor)
                {
                    synthesis = new FeatureMap(backend.OutputChannels, rows * factor, quantized.Width * factor);
                }

                if (stream is not null)
                {
                    streaming!.SynthesizeRows(stream, first, rows, band.FirstRow + band.RowCount, synthesis, cancellationToken);
                }
                else
                {
                    backend.SynthesizeRows(quantized, first, rows, synthesis, cancellationToken);
                }

                int firstPixelRow = first * factor;
                int pixelRows = Math.Min(rows * factor, header.Height - firstPixelRow);
                var pixels = new byte[(long)pixelRows * header.Width * RgbImage.BytesPerPixel];
                ImagePlanes.ToPixels(synthesis, 0, pixelRows, header.Width, pixels);
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
        else if (_model.ChannelContext is { } context)
        {
            // Slice by slice: each slice's tables come from the band's slices decoded before it (spec/nic-coding.md §10.3).
            int[] symbols = context.DecompressRows(data, _parameters, band.FirstRow, band.RowCount, quantized, cancellationToken);
            AppendSymbols(_symbols, symbols, cancellationToken);
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
