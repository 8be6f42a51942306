using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>One encode (spec/nic-coding.md §11): pad, g_a in bands of rows, h_a, ẑ, h_s, then y band by band.</summary>
internal static class EncodePipeline
{
    /// <summary>Latent rows added above and below an analysis band so that it equals full-frame analysis (§11.2).</summary>
    public const int AnalysisHalo = 2;

    /// <summary>The bytes of the first layer's output one analysis band may take.</summary>
    private const long AnalysisBandBudget = 64L << 20;

    /// <summary>Codes the pixels of <paramref name="image"/> into a container held in memory, without metadata (the codec adds the items it keeps).</summary>
    public static NicFile Encode(CodecModel model, RgbImage image, int bandRows, int parallelism, CancellationToken cancellationToken)
    {
        int paddedWidth = ImagePlanes.Align(image.Width, model.Alignment);
        int paddedHeight = ImagePlanes.Align(image.Height, model.Alignment);
        FeatureMap y = Analyze(model, image, paddedWidth, paddedHeight, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        byte[]? zSubstream = null;
        EntropyParameters? parameters = null;
        NicLatentShape zShape = NicLatentShape.Empty;
        if (model.HasHyperprior)
        {
            FeatureMap z = model.Backend.HyperAnalyze(y, cancellationToken);
            zSubstream = model.Bottleneck.Compress(z, out FeatureMap zHat);
            parameters = model.Managed.HyperSynthesize(zHat, cancellationToken);
            zShape = new NicLatentShape(z.Channels, z.Height, z.Width);
            cancellationToken.ThrowIfCancellationRequested();
        }

        int rows = Math.Min(bandRows, y.Height);
        int bandCount = (y.Height + rows - 1) / rows;
        var bands = new byte[bandCount][];
        var quantized = FeatureMap.Zeroed(y.Channels, y.Height, y.Width, cancellationToken);
        Parallel.For(
            0,
            bandCount,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            band =>
            {
                int first = band * rows;
                int count = Math.Min(rows, y.Height - first);
                bands[band] = parameters is null
                    ? model.Bottleneck.Compress(y.SliceRows(first, count), out _)
                    : model.Gaussian!.CompressRows(y, parameters, first, count, quantized);
            });

        var header = new NicHeader
        {
            Width = image.Width,
            Height = image.Height,
            Alignment = model.Alignment,
            RatePoint = model.File.RatePoint,
            // A model interpolated from a variable-rate file is named by the family file and its rate position
            // (spec/nic-format.md §7.1, spec/nic-model.md §11.3); a fixed-rate file by itself, with its λ.
            RateParameter = model.File.RatePosition is double position ? (float)position : (float)model.File.Lambda,
            Model = model.File.FamilyId ?? model.File.Id,
            ZShape = zShape,
            YShape = new NicLatentShape(y.Channels, y.Height, y.Width),
            BandRows = rows,
        };
        return new NicFile { Header = header, ZSubstream = zSubstream, Bands = bands };
    }

    /// <summary>
    /// g_a of the padded image, in bands of latent rows with <see cref="AnalysisHalo"/> rows of context above and
    /// below, so that the first layer's output stays within <see cref="AnalysisBandBudget"/>.
    /// </summary>
    public static FeatureMap Analyze(CodecModel model, RgbImage image, int paddedWidth, int paddedHeight, CancellationToken cancellationToken, long bandBudget = AnalysisBandBudget)
    {
        const int Factor = CodecModel.LatentFactor;
        int latentHeight = paddedHeight / Factor;
        long bytesPerLatentRow = (long)model.N * (Factor / 2) * (paddedWidth / 2) * sizeof(float);
        int bandRows = (int)Math.Clamp(bandBudget / bytesPerLatentRow, Math.Min(4, latentHeight), latentHeight);
        if (bandRows >= latentHeight)
        {
            return model.Backend.Analyze(ImagePlanes.ToPlanes(image, paddedWidth, 0, paddedHeight, cancellationToken), cancellationToken);
        }

        FeatureMap? y = null;
        for (int first = 0; first < latentHeight; first += bandRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(latentHeight, first + bandRows);
            int windowStart = Math.Max(0, first - AnalysisHalo);
            int windowEnd = Math.Min(latentHeight, end + AnalysisHalo);
            FeatureMap window = model.Backend.Analyze(ImagePlanes.ToPlanes(image, paddedWidth, windowStart * Factor, (windowEnd - windowStart) * Factor, cancellationToken), cancellationToken);
            y ??= FeatureMap.Zeroed(window.Channels, latentHeight, window.Width, cancellationToken);
            for (int c = 0; c < window.Channels; c++)
            {
                for (int row = first; row < end; row++)
                {
                    window.Row(c, row - windowStart).CopyTo(y.Row(c, row));
                }
            }
        }

        return y!;
    }
}
