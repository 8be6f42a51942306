using Nic.Codec.EntropyModels;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>
/// One decode, planned from a header and its model before anything of the image's size is allocated
/// (spec/nic-coding.md §11.4 and §11.7): the shape checks, the schedule of g_s (which latent rows are synthesized once
/// each band has arrived) and the memory estimate of that schedule. <see cref="NicRowDecoder"/> executes the plan,
/// <see cref="NicCodec.EstimateDecodeMemory"/> reads its estimate, and the limits compare with it. Immutable.
/// </summary>
/// <remarks>
/// The schedule: once the bands up to latent row <c>end</c> are decoded, the rows up to <see cref="ReadyRows"/> can be
/// synthesized (all but the last <see cref="Halo"/> rows, or all of them at the last band, and only the rows the image
/// needs); they are synthesized in runs of up to <see cref="MaxSynthesisRows"/> rows, each run's output rows handed out
/// as one block. Every latent row the image needs is in exactly one run.
/// <para>The memory estimate adds up what a decode holds at its two peaks:</para>
/// <list type="bullet">
/// <item>ẑ and h_s: the z symbols, their table indexes and ẑ, then every layer of h_s on the whole ẑ (input, padded
/// copy, output), and the scales and means h_s leaves;</item>
/// <item>the bands: the scales and means, ŷ, the decoded image (3 bytes a pixel), one band's symbols, table indexes
/// and scales (with a channel-conditional context model also the band's residuals and the context networks' buffers,
/// <see cref="ChannelContextCoder.BandFootprint"/>), every buffer of g_s on each height of synthesis window the schedule uses (up to
/// <see cref="MaxSynthesisRows"/> latent rows plus the halo on each side; the engine's pool keeps them for the next
/// band, up to <see cref="ManagedModel.MaxPooledBytes"/>), the reconstruction of one run's rows and one block of
/// output rows; with the managed engine, which streams g_s, also the input rows each layer keeps for its next output
/// rows (bounded by one more largest window).</item>
/// </list>
/// The larger of the two is the estimate. It is an upper estimate of the managed engine's buffers; it leaves out the
/// reader's buffer (at most one chunk, bounded by <see cref="NicReaderOptions.MaxChunkLength"/>), the metadata
/// (bounded by <see cref="NicReaderOptions.MaxMetadataLength"/>) and the model's own weights.
/// </remarks>
internal sealed class DecodePlan
{
    /// <summary>The most latent rows one synthesis run covers, which bounds the reconstruction and row block of a run.</summary>
    public const int MaxSynthesisRows = 8;

    private const long FloatBytes = sizeof(float);

    private const long IntBytes = sizeof(int);

    private DecodePlan(NicHeader header, CodecModel model)
    {
        Header = header;
        Model = model;
        Halo = model.Backend.SynthesisHalo;
        Streams = model.Backend is ManagedModel { Streams: true };
        NeededRows = (header.Height + model.LatentFactor - 1) / model.LatentFactor;
        Memory = EstimateMemory();
    }

    /// <summary>The header the plan is for.</summary>
    public NicHeader Header { get; }

    /// <summary>The model that decodes it.</summary>
    public CodecModel Model { get; }

    /// <summary>The latent rows a run waits for below its last row (the backend's synthesis halo).</summary>
    public int Halo { get; }

    /// <summary>Whether g_s is streamed (<see cref="SynthesisStream"/>, the managed engine: each row computed once) rather than run on windows with the halo.</summary>
    public bool Streams { get; }

    /// <summary>The latent rows the image needs: ⌈height / latent factor⌉ (the padding rows below are never synthesized).</summary>
    public int NeededRows { get; }

    /// <summary>The estimated working memory of the decode and its longest single buffer.</summary>
    public DecodeMemoryEstimate Memory { get; }

    /// <summary>
    /// The plan for <paramref name="header"/> decoded with <paramref name="model"/>, after checking that the header's
    /// shapes are the ones the model makes of an image of its size (§11.4). Allocates nothing of the image's size.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.LatentShapeMismatch"/>: the shapes are not the model's.</exception>
    public static DecodePlan Create(NicHeader header, CodecModel model)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(model);
        CheckShapes(header, model);
        return new DecodePlan(header, model);
    }

    /// <summary>
    /// The latent rows that can be synthesized once the bands up to latent row <paramref name="end"/> (exclusive) are
    /// decoded: all but the last <see cref="Halo"/> of them, or all at the last band; only the rows the image needs.
    /// </summary>
    public int ReadyRows(int end) => Math.Min(NeededRows, end == Header.YShape.Height ? end : end - Halo);

    /// <summary>The latent rows ready once band <paramref name="band"/> (and every band before it) is decoded.</summary>
    public int ReadyRowsAfterBand(int band) => ReadyRows(Header.GetBandFirstRow(band) + Header.GetBandRowCount(band));

    /// <summary>
    /// The runs g_s synthesizes once band <paramref name="band"/> has arrived: from the rows ready after the band before
    /// it to the rows ready after this one, up to <see cref="MaxSynthesisRows"/> rows each. Over all bands in order,
    /// every latent row the image needs is in exactly one run.
    /// </summary>
    public IEnumerable<(int FirstRow, int Rows)> RunsAfterBand(int band)
    {
        int from = band == 0 ? 0 : Math.Max(0, ReadyRowsAfterBand(band - 1));
        int ready = ReadyRowsAfterBand(band);
        for (int first = from; first < ready; first += MaxSynthesisRows)
        {
            yield return (first, Math.Min(MaxSynthesisRows, ready - first));
        }
    }

    /// <summary>
    /// Refuses a decode that would exceed the options' limits (spec/nic-coding.md §11.7): the pixel count, the estimated
    /// working memory, or a buffer longer than the largest array.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ResourceLimitExceeded"/>, naming the limit.</exception>
    public void CheckLimits(NicCodecOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        long pixels = (long)Header.Width * Header.Height;
        if (pixels > options.MaxDecodePixels)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"the image is {Header.Width}×{Header.Height} = {pixels:N0} pixels, above the decoder's limit of {options.MaxDecodePixels:N0} (NicCodecOptions.MaxDecodePixels)");
        }

        if (Memory.Bytes > options.MaxDecodeMemoryBytes)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"decoding the {Header.Width}×{Header.Height} image with {Header.Model.Name} would take about {Mebibytes(Memory.Bytes)}, above the decoder's limit of {Mebibytes(options.MaxDecodeMemoryBytes)} (NicCodecOptions.MaxDecodeMemoryBytes)");
        }

        if (Memory.LargestBufferElements > Array.MaxLength)
        {
            throw new NicCodecException(
                NicCodecError.ResourceLimitExceeded,
                $"decoding the {Header.Width}×{Header.Height} image with {Header.Model.Name} needs a buffer of {Memory.LargestBufferElements:N0} elements, more than the largest array ({Array.MaxLength:N0})");
        }
    }

    /// <summary>Checks that the header's shapes are the ones the model makes of an image of its size (§11.4).</summary>
    private static void CheckShapes(NicHeader header, CodecModel model)
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
            int factor = model.LatentFactor, hyperFactor = model.HyperLatentFactor;
            var y = new NicLatentShape(model.M, paddedHeight / factor, paddedWidth / factor);
            NicLatentShape z = model.HasHyperprior ? new NicLatentShape(model.N, paddedHeight / hyperFactor, paddedWidth / hyperFactor) : NicLatentShape.Empty;
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

    /// <summary>The estimate of the type's remarks.</summary>
    private DecodeMemoryEstimate EstimateMemory()
    {
        ManagedModel engine = Model.Managed;
        NicHeader header = Header;
        NicLatentShape y = header.YShape;
        long latentElements = (long)y.Channels * y.Height * y.Width;
        int bandRows = Math.Min(header.BandRows, y.Height);
        long bandElements = (long)y.Channels * bandRows * y.Width;
        long image = (long)header.Width * header.Height * RgbImage.BytesPerPixel;
        long largest = Math.Max(latentElements, image);

        long hyper = 0, parameters = 0;
        if (Model.HasHyperprior)
        {
            NicLatentShape z = header.ZShape;
            long zElements = (long)z.Channels * z.Height * z.Width;
            LayerFootprint hs = engine.HyperSynthesisFootprint(z.Channels, z.Height, z.Width);
            long parameterElements = (long)hs.Channels * hs.Height * hs.Width;
            parameters = parameterElements * FloatBytes;
            hyper = (zElements * (IntBytes + IntBytes + FloatBytes)) + hs.PeakBytes + parameters;
            largest = Math.Max(largest, Math.Max(hs.LargestBufferElements, Math.Max(zElements, parameterElements)));
        }

        // A band's symbols and table indexes, and its scales (with a hyperprior) or its dequantized rows (without).
        long band = bandElements * (IntBytes + IntBytes + FloatBytes);
        largest = Math.Max(largest, bandElements);

        // A channel-conditional context model (spec/nic-coding.md §10.3) also holds, for the band being decoded, the
        // residuals of the slices before the last, a slice's means and scales, and each context network's buffers on the
        // band; its pool keeps them for the next band (two heights when the last band is shorter).
        if (Model.ChannelContext is { } context)
        {
            int lastRows = y.Height - ((header.BandCount - 1) * bandRows);
            foreach (int rows in lastRows == bandRows ? [bandRows] : new[] { bandRows, lastRows })
            {
                (long contextBytes, long contextLargest) = context.BandFootprint(rows, y.Width);
                band += contextBytes;
                largest = Math.Max(largest, contextLargest);
            }
        }

        // g_s runs on windows of up to MaxSynthesisRows latent rows plus the halo; the windows at the top and the bottom
        // are shorter, and the pool keeps the buffers of every window height it has seen (up to its cap).
        int factor = engine.SynthesisFactor;
        long synthesis = 0, largestWindow = 0;
        foreach (int windowRows in WindowHeights())
        {
            LayerFootprint gs = engine.SynthesisFootprint(y.Channels, windowRows, y.Width);
            synthesis += gs.PeakBytes;
            largestWindow = Math.Max(largestWindow, gs.PeakBytes);
            largest = Math.Max(largest, gs.LargestBufferElements);
        }

        synthesis = Math.Min(synthesis, ManagedModel.MaxPooledBytes + largestWindow);

        // The managed engine streams g_s (SynthesisStream): its temporaries are those of a run without the halo rows, which
        // the windows above cover (each stripe's window of columns, with its halo columns, in SynthesisFootprint), and each layer also keeps the input rows its next output reads — at most the rows
        // of that layer's input on the largest window, so at most that window's footprint once more.
        if (Streams)
        {
            synthesis += largestWindow;
        }

        long synthesisRows = (long)Math.Min(MaxSynthesisRows, y.Height) * factor;
        long reconstruction = engine.OutputChannels * synthesisRows * y.Width * factor * FloatBytes;
        long rowBlock = synthesisRows * header.Width * RgbImage.BytesPerPixel;

        long bands = parameters + (latentElements * FloatBytes) + image + band + synthesis + reconstruction + rowBlock;
        return new DecodeMemoryEstimate(Math.Max(hyper, bands), largest);
    }

    /// <summary>The distinct heights of the latent windows of the schedule's runs (each run's rows plus the halo, clipped to the latent).</summary>
    private HashSet<int> WindowHeights()
    {
        var heights = new HashSet<int>();
        int latentHeight = Header.YShape.Height;
        int from = 0;

        // A stream computes no halo rows, so its windows stand for a run and the definition's halo (spec/nic-model.md §10.1),
        // not the more rows the managed engine's Winograd g_s waits for below a run (ManagedModel.SynthesisHalo), which
        // delay a run's release but hold no more rows.
        int halo = Streams ? Model.File.Architecture.Geometry?.SynthesisHalo ?? Halo : Halo;
        for (int b = 0; b < Header.BandCount; b++)
        {
            // The loop of RunsAfterBand without its enumerator: a header may declare thousands of bands.
            int ready = ReadyRowsAfterBand(b);
            for (int first = from; first < ready; first += MaxSynthesisRows)
            {
                heights.Add(SynthesisBand.Window(halo, latentHeight, first, Math.Min(MaxSynthesisRows, ready - first)).Count);
            }

            from = Math.Max(from, ready);
        }

        return heights;
    }

    private static string Mebibytes(long bytes) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");
}
