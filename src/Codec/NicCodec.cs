using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nic.Codec.Catalog;
using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Codec.Pipeline;

namespace Nic.Codec;

/// <summary>
/// The Nic image codec: encodes RGB images into <c>.nic</c> files with a model from the catalog, and decodes them,
/// whole or streaming row by row. Each model's networks are built on first use and shared by every later call.
/// Thread-safe and reusable: one instance serves any number of concurrent encodes and decodes. Register it with
/// <c>services.AddNeuralImageCodec()</c> or create it directly. A cancelled token stops an encode or a decode within
/// milliseconds, inside the transforms and the entropy decoder too, with an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class NicCodec
{
    private readonly ConcurrentDictionary<NicModelId, Lazy<CodecModel>> _models = new();

    // Models interpolated between trained points live as long as the catalog keeps their file (a few), not for ever.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<NicModelFile, Lazy<CodecModel>> _interpolatedModels = new();
    private readonly IInferenceBackendFactory _backends;
    private readonly ILogger _logger;
    private readonly int _parallelism;

    /// <summary>Creates a codec.</summary>
    /// <param name="catalog">The models; null for the shipped ones.</param>
    /// <param name="options">Defaults and limits; null for the defaults.</param>
    /// <param name="backends">
    /// The engine of g_a, h_a and g_s; null for the managed engine in its default, Winograd arithmetic
    /// (<c>new ManagedBackendFactory { Arithmetic = ManagedArithmetic.Reference }</c> for the reference decoder).
    /// </param>
    /// <param name="logger">Receives a line per encode and decode at debug level.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public NicCodec(NicModelCatalog? catalog = null, NicCodecOptions? options = null, IInferenceBackendFactory? backends = null, ILogger<NicCodec>? logger = null)
    {
        Options = options ?? new NicCodecOptions();
        IReadOnlyList<string> problems = Options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid codec options: {string.Join("; ", problems)}", nameof(options));
        }

        Catalog = catalog ?? new NicModelCatalog(Options.ModelDirectories, Options.IncludeShippedModels);
        _parallelism = Options.Parallelism ?? Environment.ProcessorCount;
        _backends = backends ?? new ManagedBackendFactory(_parallelism);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The models this codec uses.</summary>
    public NicModelCatalog Catalog { get; }

    /// <summary>The settings.</summary>
    public NicCodecOptions Options { get; }

    /// <summary>The name of the engine that runs g_a, h_a and g_s.</summary>
    public string Backend => _backends.Name;

    /// <summary>
    /// The engine that runs g_a, h_a and g_s; a <see cref="ManagedBackendFactory"/> in the reference arithmetic is the
    /// reference decoder, whose reconstructions the conformance suite compares exactly (any other, the default's fused
    /// decoding included, within 1 in 8 bits).
    /// </summary>
    public IInferenceBackendFactory BackendFactory => _backends;

    /// <summary>
    /// The model an encode with these options would use (with a <see cref="NicEncodeOptions.Target"/>, the model the search
    /// starts from: the family's, which the search then moves along). The options' <see cref="NicEncodeOptions.Quality"/> or
    /// <see cref="NicEncodeOptions.RatePoint"/> first; without either, a named model is that model and a named family its
    /// middle point; with no model named, the codec's <see cref="NicCodecOptions.DefaultModel"/> at its default quality
    /// or rate point.
    /// </summary>
    /// <exception cref="NicCodecException">
    /// <see cref="NicCodecError.UnknownModel"/>: no such model, family or rate point; or, as <see cref="NicModelEntry.File"/>,
    /// the family file it needs, loaded now, failed its checks.
    /// </exception>
    /// <exception cref="ArgumentException">The options are invalid (<see cref="NicEncodeOptions.Validate"/>).</exception>
    public NicModelEntry ResolveModel(NicEncodeOptions? options = null)
    {
        IReadOnlyList<string> problems = options?.Validate() ?? [];
        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid encode options: {string.Join("; ", problems)}", nameof(options));
        }

        string model = options?.Model ?? Options.DefaultModel;
        if (options?.Quality is double quality)
        {
            return Catalog.FindAtQuality(model, quality);
        }

        if (options?.RatePoint is int point)
        {
            return Catalog.Find(model, point);
        }

        if (options?.Model is null && Options.DefaultQuality is double defaultQuality)
        {
            return Catalog.FindAtQuality(model, defaultQuality);
        }

        return Catalog.Find(model, options?.Model is null ? Options.DefaultRatePoint : null);
    }

    /// <summary>Encodes an image into a <c>.nic</c> file in memory.</summary>
    /// <exception cref="NicCodecException">The model is unknown or cannot code images.</exception>
    public byte[] Encode(RgbImage image, NicEncodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        (byte[] file, _) = EncodeCore(image, options, cancellationToken);
        return file;
    }

    /// <summary>Encodes an image and writes the <c>.nic</c> file to <paramref name="destination"/>.</summary>
    /// <exception cref="NicCodecException">The model is unknown or cannot code images.</exception>
    public async Task<NicEncodeResult> EncodeAsync(RgbImage image, Stream destination, NicEncodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        (byte[] file, NicEncodeResult result) = await Task.Run(() => EncodeCore(image, options, cancellationToken), cancellationToken).ConfigureAwait(false);
        await destination.WriteAsync(file, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Encodes an image into the file <paramref name="path"/>, atomically: the file appears complete or not at all,
    /// and a file already there is replaced only once the new one is written.
    /// </summary>
    public async Task<NicEncodeResult> EncodeFileAsync(RgbImage image, string path, NicEncodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        (byte[] file, NicEncodeResult result) = await Task.Run(() => EncodeCore(image, options, cancellationToken), cancellationToken).ConfigureAwait(false);
        AtomicFile.WriteAllBytes(path, file);
        return result;
    }

    /// <summary>Reads the header and metadata of a <c>.nic</c> file without decoding it (and without needing its model).</summary>
    /// <exception cref="NicFormatException">The header or metadata is damaged.</exception>
    public async Task<NicImageInfo> IdentifyAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var reader = new NicReader(source, Options.ReaderLimits, leaveOpen: true);
        return await IdentifyAsync(reader, LengthOf(source), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the header and metadata from a pipe without decoding the image.</summary>
    public async Task<NicImageInfo> IdentifyAsync(PipeReader source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var reader = new NicReader(source, Options.ReaderLimits);
        return await IdentifyAsync(reader, -1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the header and metadata of a file in memory without decoding the image.</summary>
    public Task<NicImageInfo> IdentifyAsync(ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default) =>
        IdentifyAsync(new NicReader(file, Options.ReaderLimits), file.Length, cancellationToken, dispose: true);

    /// <summary>
    /// Starts a streaming decode: reads the header, the metadata and ẑ, and returns the decoder whose
    /// <see cref="NicRowDecoder.ReadRowsAsync"/> yields the rows. The stream is left open.
    /// </summary>
    /// <exception cref="NicException">The file is damaged, or its model is unknown or differs (<see cref="NicCodecError.UnknownModel"/>, <see cref="NicCodecError.ModelHashMismatch"/>).</exception>
    public Task<NicRowDecoder> OpenAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return NicRowDecoder.OpenAsync(new NicReader(source, Options.ReaderLimits, leaveOpen: true), true, GetModel, Options, LengthOf(source), cancellationToken);
    }

    /// <summary>Starts a streaming decode from a pipe (see <see cref="OpenAsync(Stream, CancellationToken)"/>); the pipe is completed when the decoder is disposed.</summary>
    public Task<NicRowDecoder> OpenAsync(PipeReader source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return NicRowDecoder.OpenAsync(new NicReader(source, Options.ReaderLimits), true, GetModel, Options, -1, cancellationToken);
    }

    /// <summary>Decodes a whole <c>.nic</c> stream into an image carrying the file's metadata.</summary>
    /// <exception cref="NicException">The file is damaged, or its model is unknown or differs.</exception>
    public async Task<RgbImage> DecodeAsync(Stream source, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        await using NicRowDecoder decoder = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
        RgbImage image = await decoder.ReadImageAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("Decoded a {Width}×{Height} image with {Model} on {Backend} in {Seconds:F3} s", image.Width, image.Height, decoder.Info.Model.Name, decoder.Backend, watch.Elapsed.TotalSeconds);
        return image;
    }

    /// <summary>Decodes a whole <c>.nic</c> file held in memory.</summary>
    public async Task<RgbImage> DecodeAsync(ReadOnlyMemory<byte> file, CancellationToken cancellationToken = default)
    {
        await using NicRowDecoder decoder = await NicRowDecoder.OpenAsync(new NicReader(file, Options.ReaderLimits), true, GetModel, Options, file.Length, cancellationToken).ConfigureAwait(false);
        return await decoder.ReadImageAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes the <c>.nic</c> file at <paramref name="path"/>.</summary>
    public async Task<RgbImage> DecodeFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        await using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return await DecodeAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The memory, in bytes, that decoding the file described by <paramref name="info"/> would take, estimated from its
    /// header's sizes and its model's channel counts (spec/nic-coding.md §11.7): the figure a decode compares with
    /// <see cref="NicCodecOptions.MaxDecodeMemoryBytes"/> before it allocates anything of the image's size.
    /// </summary>
    /// <param name="info">The header and metadata of a file, from <c>IdentifyAsync</c>.</param>
    /// <exception cref="NicCodecException">The file's model is unknown or differs, or its shapes are not the model's.</exception>
    public long EstimateDecodeMemory(NicImageInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        CodecModel model = GetModel(info.Header);
        return DecodePlan.Create(info.Header, model).Memory.Bytes;
    }

    /// <summary>The networks and coders of the model a header names (a fixed-rate file, or a family at the header's rate position), built once.</summary>
    internal CodecModel GetModel(NicHeader header) => GetModel(Catalog.Resolve(header.Model, header.RateParameter));

    internal CodecModel GetModel(NicModelFile file) =>
        file.FamilyId is null
            ? _models.GetOrAdd(file.Id, _ => new Lazy<CodecModel>(() => BuildModel(file))).Value
            : _interpolatedModels.GetValue(file, f => new Lazy<CodecModel>(() => BuildModel(f))).Value;

    private CodecModel BuildModel(NicModelFile file)
    {
        var watch = Stopwatch.StartNew();
        // h_s is in the reference arithmetic whatever the factory's arithmetic (spec/nic-model.md §10.2), so one managed
        // model serves both as the managed backend and as the entropy path.
        var managed = ManagedModel.Create(file, _parallelism, _backends is ManagedBackendFactory factory ? factory.Arithmetic : ManagedArithmetic.Reference);
        IInferenceBackend backend = _backends is ManagedBackendFactory ? managed : _backends.Create(file);
        var model = new CodecModel(file, backend, managed);
        _logger.LogDebug("Loaded model {Model} on {Backend} in {Seconds:F3} s", file.Id, backend.Name, watch.Elapsed.TotalSeconds);
        return model;
    }

    /// <summary>Encodes into memory: the compressed file is small, so it is built whole and then written in one piece.</summary>
    private (byte[] File, NicEncodeResult Result) EncodeCore(RgbImage image, NicEncodeOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        int bandRows = options?.BandRows ?? Options.BandRows;
        ArgumentOutOfRangeException.ThrowIfLessThan(bandRows, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bandRows, NicCodecOptions.MaxBandRows, nameof(options));
        int effort = options?.Effort ?? NicEncodeOptions.MinEffort;
        if (effort is < NicEncodeOptions.MinEffort or > NicEncodeOptions.MaxEffort)
        {
            throw new ArgumentOutOfRangeException(nameof(options), effort, $"Effort must be {NicEncodeOptions.MinEffort} … {NicEncodeOptions.MaxEffort}, not {effort}");
        }

        ILatentOptimizer? optimizer = Options.LatentOptimizer;
        if (effort > NicEncodeOptions.MinEffort && optimizer is null)
        {
            throw new NicCodecException(
                NicCodecError.LatentOptimizerMissing,
                $"effort {effort} searches for better latents and needs a latent optimizer, which this codec does not have (NicCodecOptions.LatentOptimizer): "
                + "reference Nic.Torch and set a Nic.Torch.Inference.TorchLatentOptimizer, or use the nic-torch tool; effort 1 needs none");
        }

        long start = Stopwatch.GetTimestamp();
        Activity? activity = NicCodecTelemetry.StartActivity(NicCodecTelemetry.EncodeActivity);
        string? modelName = null;
        try
        {
            NicModelEntry entry = ResolveModel(options);
            modelName = entry.Name;
            (NicFile coded, byte[] file, CodecModel model, RateSearch.Outcome? search) = options?.Target is { } target
                ? RateSearch.Run(this, entry, image, target, bandRows, options, cancellationToken)
                : EncodeWith(GetModel(entry.File), image, bandRows, options, cancellationToken);
            _logger.LogDebug("Encoded a {Width}×{Height} image with {Model} on {Backend} at effort {Effort} in {Seconds:F3} s: {Bytes} bytes", image.Width, image.Height, model.File.Name, model.Backend.Name, effort, Stopwatch.GetElapsedTime(start).TotalSeconds, file.Length);
            NicCodecTelemetry.TagImage(activity, image.Width, image.Height, file.Length);
            NicCodecTelemetry.Record(NicCodecTelemetry.Encode, NicCodecTelemetry.Success, modelName, start, image.PixelCount * RgbImage.BytesPerPixel, file.Length, null, activity);
            return (file, new NicEncodeResult(coded.Header, file.Length, coded.ZSubstream?.Length ?? 0, coded.Bands.Sum(b => (long)b.Length), model.File.Lambda, coded.Metadata.Items, MetadataChunkBytes(file))
            {
                Encodes = search?.Encodes ?? 1,
                TargetMet = search?.Met,
                PsnrDb = search?.PsnrDb,
            });
        }
        catch (Exception exception)
        {
            NicCodecTelemetry.Record(NicCodecTelemetry.Encode, NicCodecTelemetry.OutcomeOf(exception), modelName, start, 0, 0, exception, activity);
            throw;
        }
    }

    /// <summary>One encode with one model: the coded file (with the metadata the options keep) and its bytes.</summary>
    internal (NicFile Coded, byte[] File, CodecModel Model, RateSearch.Outcome? Search) EncodeWith(CodecModel model, RgbImage image, int bandRows, NicEncodeOptions? options, CancellationToken cancellationToken)
    {
        NicFile pixels = EncodePipeline.Encode(model, image, bandRows, _parallelism, cancellationToken, options?.Effort ?? NicEncodeOptions.MinEffort, Options.LatentOptimizer);
        var coded = new NicFile
        {
            Header = pixels.Header,
            Metadata = image.Metadata.Keep(options?.KeepMetadata ?? NicMetadataItems.All),
            CompressMetadata = options?.CompressMetadata ?? true,
            ZSubstream = pixels.ZSubstream,
            Bands = pixels.Bands,
        };
        return (coded, coded.ToArray(), model, null);
    }

    /// <summary>The bytes of the metadata chunks of a file just written, framing included, as its chunk list gives them.</summary>
    private static long MetadataChunkBytes(byte[] file)
    {
        using var reader = new NicReader(file);
        long total = 0;

        // A reader over memory never waits, so each read has completed when it returns. The metadata chunks are the
        // ancillary ones between HEAD and the first substream chunk (critical), where the count stops.
        while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is { } chunk && (chunk.Type == NicChunkType.Head || !chunk.Type.IsCritical))
        {
            total += chunk.Type == NicChunkType.Head ? 0 : chunk.TotalLength;
        }

        return total;
    }

    private static async Task<NicImageInfo> IdentifyAsync(NicReader reader, long length, CancellationToken cancellationToken, bool dispose = false)
    {
        long start = Stopwatch.GetTimestamp();
        Activity? activity = NicCodecTelemetry.StartActivity(NicCodecTelemetry.IdentifyActivity);
        string? modelName = null;
        try
        {
            NicHeader header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            modelName = header.Model.Name;
            NicMetadata metadata = await reader.ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
            NicCodecTelemetry.TagImage(activity, header.Width, header.Height, length);
            NicCodecTelemetry.Record(NicCodecTelemetry.Identify, NicCodecTelemetry.Success, modelName, start, 0, 0, null, activity);
            return new NicImageInfo(header, metadata, reader.FormatVersion!, length);
        }
        catch (Exception exception)
        {
            NicCodecTelemetry.Record(NicCodecTelemetry.Identify, NicCodecTelemetry.OutcomeOf(exception), modelName, start, 0, 0, exception, activity);
            throw;
        }
        finally
        {
            if (dispose)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static long LengthOf(Stream stream)
    {
        try
        {
            return stream.CanSeek ? stream.Length - stream.Position : -1;
        }
        catch (NotSupportedException)
        {
            return -1;
        }
    }
}
