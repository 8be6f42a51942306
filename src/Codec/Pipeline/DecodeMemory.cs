using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>
/// The working set of one decode, estimated from a header's sizes and its model's channel counts before anything of
/// the image's size is allocated (spec/nic-coding.md §11.7). It adds up what a decode holds at its two peaks:
/// <list type="bullet">
/// <item>ẑ and h_s: the z symbols, their table indexes and ẑ, then every layer of h_s on the whole ẑ (input, padded
/// copy, output), and the scales and means h_s leaves;</item>
/// <item>the bands: the scales and means, ŷ, the decoded image (3 bytes a pixel), one band's symbols, table indexes
/// and scales, every buffer of g_s on each height of synthesis window the decode uses (up to
/// <see cref="NicRowDecoder.MaxSynthesisRows"/> latent rows plus the halo on each side; the engine's pool keeps them
/// for the next band, up to <see cref="ManagedModel.MaxPooledBytes"/>), the reconstruction of one window's rows and
/// one block of output rows; with the managed engine, which streams g_s, also the input rows each layer keeps for
/// its next output rows (bounded by one more largest window).</item>
/// </list>
/// The larger of the two is the estimate. It is an upper estimate of the managed engine's buffers; it leaves out the
/// reader's buffer (at most one chunk, bounded by <see cref="NicReaderOptions.MaxChunkLength"/>), the metadata
/// (bounded by <see cref="NicReaderOptions.MaxMetadataLength"/>) and the model's own weights.
/// </summary>
internal static class DecodeMemory
{
    private const long FloatBytes = sizeof(float);

    private const long IntBytes = sizeof(int);

    /// <summary>The estimate for <paramref name="header"/>, whose shapes have been checked against <paramref name="model"/>.</summary>
    public static DecodeMemoryEstimate Estimate(NicHeader header, CodecModel model)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(model);
        ManagedModel engine = model.Managed;
        NicLatentShape y = header.YShape;
        long latentElements = (long)y.Channels * y.Height * y.Width;
        int bandRows = Math.Min(header.BandRows, y.Height);
        long bandElements = (long)y.Channels * bandRows * y.Width;
        long image = (long)header.Width * header.Height * RgbImage.BytesPerPixel;
        long largest = Math.Max(latentElements, image);

        long hyper = 0, parameters = 0;
        if (model.HasHyperprior)
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

        // g_s runs on windows of up to MaxSynthesisRows latent rows plus the halo; the windows at the top and the bottom
        // are shorter, and the pool keeps the buffers of every window height it has seen (up to its cap).
        int factor = engine.SynthesisFactor;
        long synthesis = 0, largestWindow = 0;
        foreach (int windowRows in WindowHeights(header, engine))
        {
            LayerFootprint gs = engine.SynthesisFootprint(y.Channels, windowRows, y.Width);
            synthesis += gs.PeakBytes;
            largestWindow = Math.Max(largestWindow, gs.PeakBytes);
            largest = Math.Max(largest, gs.LargestBufferElements);
        }

        synthesis = Math.Min(synthesis, ManagedModel.MaxPooledBytes + largestWindow);

        // The managed engine streams g_s (SynthesisStream): its temporaries are those of a run without the halo, which
        // the windows above cover, and each layer also keeps the input rows its next output reads — at most the rows
        // of that layer's input on the largest window, so at most that window's footprint once more.
        if (model.Backend is ManagedModel)
        {
            synthesis += largestWindow;
        }
        long synthesisRows = (long)Math.Min(NicRowDecoder.MaxSynthesisRows, y.Height) * factor;
        long reconstruction = engine.OutputChannels * synthesisRows * y.Width * factor * FloatBytes;
        long rowBlock = synthesisRows * header.Width * RgbImage.BytesPerPixel;

        long bands = parameters + (latentElements * FloatBytes) + image + band + synthesis + reconstruction + rowBlock;
        return new DecodeMemoryEstimate(Math.Max(hyper, bands), largest);
    }

    /// <summary>The distinct heights of the latent windows g_s runs on, in the schedule of <see cref="NicRowDecoder.ReadRowsAsync"/>.</summary>
    private static HashSet<int> WindowHeights(NicHeader header, IInferenceBackend backend)
    {
        var heights = new HashSet<int>();
        int synthesized = 0;
        for (int band = 0; band < header.BandCount; band++)
        {
            int end = header.GetBandFirstRow(band) + header.GetBandRowCount(band);
            foreach ((int first, int rows) in NicRowDecoder.SynthesisRuns(header, backend.SynthesisHalo, end, synthesized))
            {
                heights.Add(SynthesisBand.Window(backend, header.YShape.Height, first, rows).Count);
                synthesized = first + rows;
            }
        }

        return heights;
    }
}
