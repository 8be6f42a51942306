using Nic.Codec.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>One encode (spec/nic-coding.md §11): pad, g_a streamed row by row (§11.2), h_a, ẑ, h_s, then y band by band.</summary>
internal static class EncodePipeline
{
    /// <summary>The bytes of the first layer's output one analysis band may take.</summary>
    private const long AnalysisBandBudget = 64L << 20;

    /// <summary>
    /// Codes <paramref name="image"/> into a container held in memory: g_a and h_a, then, at an effort above 1, the
    /// latents <paramref name="optimizer"/> finds from there, then <see cref="EncodeLatents"/>.
    /// </summary>
    public static NicFile Encode(CodecModel model, RgbImage image, int bandRows, int parallelism, CancellationToken cancellationToken, int effort = NicEncodeOptions.MinEffort, ILatentOptimizer? optimizer = null)
    {
        if (effort > NicEncodeOptions.MinEffort && optimizer is null)
        {
            throw new ArgumentNullException(nameof(optimizer), "an effort above 1 needs a latent optimizer");
        }

        int paddedWidth = ImagePlanes.Align(image.Width, model.Alignment);
        int paddedHeight = ImagePlanes.Align(image.Height, model.Alignment);
        FeatureMap y = NicCodecTelemetry.Stage(NicCodecTelemetry.AnalysisActivity, () => Analyze(model, image, paddedWidth, paddedHeight, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        FeatureMap? z = model.HasHyperprior ? NicCodecTelemetry.Stage(NicCodecTelemetry.HyperAnalysisActivity, () => model.Backend.HyperAnalyze(y, cancellationToken)) : null;
        cancellationToken.ThrowIfCancellationRequested();
        if (effort > NicEncodeOptions.MinEffort)
        {
            (y, z) = NicCodecTelemetry.Stage(NicCodecTelemetry.LatentSearchActivity, () =>
            {
                FeatureMap planes = ImagePlanes.ToPlanes(image, paddedWidth, 0, paddedHeight, cancellationToken);
                var problem = new NicLatentProblem(model.File, planes, image.Width, image.Height, y, z, effort);
                NicLatents found = optimizer!.Optimize(problem, cancellationToken)
                    ?? throw new InvalidOperationException($"the latent optimizer {optimizer.Name} returned null");
                CheckShape("y", found.Y, y, optimizer);
                if (z is not null)
                {
                    CheckShape("z", found.Z ?? throw new InvalidOperationException($"the latent optimizer {optimizer.Name} returned no z for a hyperprior model"), z, optimizer);
                }

                cancellationToken.ThrowIfCancellationRequested();
                return (found.Y, z is null ? null : found.Z);
            });
        }

        return EncodeLatents(model, image.Width, image.Height, image.Metadata, y, z, bandRows, parallelism, cancellationToken);
    }

    /// <summary>
    /// Codes the latents y and (with a hyperprior) z of an image of <paramref name="width"/> × <paramref name="height"/>
    /// pixels (spec/nic-coding.md §11.2 steps 2–3): ẑ = z rounded around the bottleneck's medians into the z-substream,
    /// (σ, μ) by the managed h_s from ẑ, and y rounded around μ under the tables σ selects, band by band (with a
    /// channel-conditional context model, slice by slice within each band, §10.3). Every encode
    /// ends here, whatever found its latents, so the entropy path is the decoder's at every effort.
    /// </summary>
    /// <exception cref="ArgumentException">A latent's shape is not the model's for the image size.</exception>
    public static NicFile EncodeLatents(CodecModel model, int width, int height, NicMetadata metadata, FeatureMap y, FeatureMap? z, int bandRows, int parallelism, CancellationToken cancellationToken)
    {
        int paddedWidth = ImagePlanes.Align(width, model.Alignment);
        int paddedHeight = ImagePlanes.Align(height, model.Alignment);
        int factor = model.LatentFactor;
        if (y.Channels != model.M || y.Height != paddedHeight / factor || y.Width != paddedWidth / factor)
        {
            throw new ArgumentException($"y is {y.Channels}×{y.Height}×{y.Width}; a {width}×{height} image needs {model.M}×{paddedHeight / factor}×{paddedWidth / factor}", nameof(y));
        }

        if (model.HasHyperprior != z is not null)
        {
            throw new ArgumentException(model.HasHyperprior ? "a hyperprior model needs z" : "a model without a hyperprior takes no z", nameof(z));
        }

        byte[]? zSubstream = null;
        EntropyParameters? parameters = null;
        NicLatentShape zShape = NicLatentShape.Empty;
        if (z is not null)
        {
            int hyperFactor = model.HyperLatentFactor;
            if (z.Channels != model.N || z.Height != paddedHeight / hyperFactor || z.Width != paddedWidth / hyperFactor)
            {
                throw new ArgumentException($"z is {z.Channels}×{z.Height}×{z.Width}; a {width}×{height} image needs {model.N}×{paddedHeight / hyperFactor}×{paddedWidth / hyperFactor}", nameof(z));
            }

            (zSubstream, parameters) = NicCodecTelemetry.Stage(NicCodecTelemetry.HyperSynthesisActivity, () =>
            {
                byte[] substream = model.Bottleneck.Compress(z, out FeatureMap zHat);
                EntropyParameters hyper = model.Managed.HyperSynthesize(zHat, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                return (substream, hyper);
            });
            zShape = new NicLatentShape(z.Channels, z.Height, z.Width);
        }

        int rows = Math.Min(bandRows, y.Height);
        int bandCount = (y.Height + rows - 1) / rows;
        var bands = new byte[bandCount][];
        NicCodecTelemetry.Stage(NicCodecTelemetry.BandsActivity, () =>
        {
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
                        : model.ChannelContext is { } context
                            ? context.CompressRows(y, parameters, first, count, quantized, cancellationToken)
                            : model.Gaussian!.CompressRows(y, parameters, first, count, quantized);
                });
        });

        var header = new NicHeader
        {
            Width = width,
            Height = height,
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
        return new NicFile { Header = header, Metadata = metadata, ZSubstream = zSubstream, Bands = bands };
    }

    private static void CheckShape(string name, FeatureMap found, FeatureMap expected, ILatentOptimizer optimizer)
    {
        if (found.Channels != expected.Channels || found.Height != expected.Height || found.Width != expected.Width)
        {
            throw new InvalidOperationException($"the latent optimizer {optimizer.Name} returned {name} of {found.Channels}×{found.Height}×{found.Width}, not {expected.Channels}×{expected.Height}×{expected.Width}");
        }
    }

    /// <summary>
    /// g_a of the padded image (§11.2 step 1). The managed engine streams it (<see cref="ManagedModel.AnalyzeRows"/>):
    /// the padded image's rows are made as the first layer reads them, each layer keeps only the rows its next output
    /// reads, every row is computed once (in vertical stripes, one a thread, each computing the cone of its own columns), and
    /// the result is bit-identical to full-frame g_a. Other backends run it in
    /// bands of latent rows with the architecture's analysis halo (<see cref="ModelGeometry.AnalysisHalo"/>, derived from
    /// g_a's kernels and strides) of context above and below, so that the first layer's output stays within
    /// <paramref name="bandBudget"/>.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="image">The image.</param>
    /// <param name="paddedWidth">The padded width (a multiple of the model's alignment).</param>
    /// <param name="paddedHeight">The padded height (a multiple of the model's alignment).</param>
    /// <param name="cancellationToken">Looked at before each chunk of rows and throughout each layer.</param>
    /// <param name="bandBudget">The bytes of one chunk of a layer (the stream) or of one band's first-layer output (other backends).</param>
    public static FeatureMap Analyze(CodecModel model, RgbImage image, int paddedWidth, int paddedHeight, CancellationToken cancellationToken, long bandBudget = AnalysisBandBudget)
    {
        if (model.Backend is ManagedModel managed
            && managed.AnalyzeRows(paddedHeight, paddedWidth, (first, column, destination) => ImagePlanes.ToPlanes(image, first, column, destination, cancellationToken), cancellationToken, Math.Min(bandBudget, AnalysisStream.DefaultChunkBytes)) is FeatureMap streamed)
        {
            return streamed;
        }

        int factor = model.LatentFactor, halo = model.Geometry.AnalysisHalo;
        int latentHeight = paddedHeight / factor;
        long bytesPerLatentRow = (long)model.N * (factor / 2) * (paddedWidth / 2) * sizeof(float);
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
            int windowStart = Math.Max(0, first - halo);
            int windowEnd = Math.Min(latentHeight, end + halo);
            FeatureMap window = model.Backend.Analyze(ImagePlanes.ToPlanes(image, paddedWidth, windowStart * factor, (windowEnd - windowStart) * factor, cancellationToken), cancellationToken);
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
