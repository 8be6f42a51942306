using Nic.Codec.Models;
using Nic.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// The latent search's distortion term: the summed squared error of g_s(ŷ), clamped to [0, 1] and cropped to the image,
/// against the image, and its gradient with respect to ŷ, computed over tiles of the latent instead of the whole frame.
/// </summary>
/// <remarks>
/// <para>
/// libtorch's CPU convolutions slow down per pixel on large frames: g_s forward and backward over a 96 × 128 latent
/// (2048 × 1536 pixels, 2 threads) took 7.0 s whole and 3.1 s as tiles of 32 × 32 latents with their halos, 0.25 ms per
/// latent position, as on a 256 × 256 crop. Those tiles' largest maps (96 channels at 288 × 288) stayed under glibc's
/// largest mmap threshold; with <see cref="Native.GlibcHeap"/> keeping larger blocks on the heap too, tiles of up to
/// <see cref="TileSide"/> latents recompute less halo (on a 1350 × 890 photo 1.06× the latent instead of 1.17×) and a
/// search's g_s passes took 12–15 % less time on two textured photos, with AVX-512 on and off (docs/rate-distortion.md,
/// session 16). A side of up to <see cref="TileSide"/> latents is not cut.
/// </para>
/// <para>
/// Each tile runs g_s on its latents plus <see cref="ModelGeometry.SynthesisHalo"/> latents on every side that lies
/// inside the frame, so the pixels of its own latents equal those of whole-frame synthesis up to float rounding
/// (the banded decoder relies on the same halo, spec/nic-model.md §10.1), and every pixel is counted once. The gradient
/// of each tile's error flows into its latents and halo, and the sum over tiles is the whole frame's gradient.
/// </para>
/// </remarks>
internal sealed class SynthesisTiles
{
    /// <summary>The longest side of a tile, in latent positions: a longer side is cut into near-equal tiles.</summary>
    internal const int TileSide = 64;

    private readonly ImageCompressionModel _model;
    private readonly Tensor _target;
    private readonly int _factor;
    private readonly int _halo;

    /// <summary>
    /// The squared error of <paramref name="model"/>'s g_s against <paramref name="target"/> (1, 3, height, width) in [0, 1],
    /// g_s run in the number type of the model's parameters (<see cref="Precision"/>).
    /// </summary>
    public SynthesisTiles(ImageCompressionModel model, ModelGeometry geometry, Tensor target)
    {
        _model = model;
        _target = target;
        _factor = geometry.LatentFactor;
        _halo = geometry.SynthesisHalo;
        Precision = model.SynthesisPrecision;
    }

    /// <summary>
    /// The number type g_s runs in: float32, or bfloat16 for a model whose g_s was converted to it
    /// (<see cref="ImageCompressionModel.ConvertSynthesis"/>; effort 2's search on a channel-context model where
    /// <see cref="Native.BFloat16Convolutions.AreNative"/>). The latent goes in and the reconstruction comes out in float32
    /// either way, and the error and the gradient are summed in float32.
    /// </summary>
    public ScalarType Precision { get; }

    /// <summary>The evaluations so far with the gradient (g_s forward and backward over every tile).</summary>
    public int GradientPasses { get; private set; }

    /// <summary>The evaluations so far without it (g_s forward only).</summary>
    public int ForwardPasses { get; private set; }

    /// <summary>The values the squared error sums over: 3 × height × width.</summary>
    public long Samples => _target.shape[1] * _target.shape[2] * _target.shape[3];

    /// <summary>
    /// The summed squared error of g_s(<paramref name="latent"/>) and, when <paramref name="withGradient"/> (gradients
    /// enabled), its gradient with respect to the latent, detached; the latent's own graph is not touched.
    /// </summary>
    public (double SquaredError, Tensor? Gradient) Evaluate(Tensor latent, bool withGradient)
    {
        Tensor values = latent.detach();
        Tensor? gradient = withGradient ? zeros_like(values) : null;
        if (withGradient)
        {
            GradientPasses++;
        }
        else
        {
            ForwardPasses++;
        }

        int height = (int)_target.shape[2], width = (int)_target.shape[3];
        double total = 0;
        foreach ((int top, int rows) in Spans((int)values.shape[2]))
        {
            foreach ((int left, int columns) in Spans((int)values.shape[3]))
            {
                int pixelTop = _factor * top, pixelLeft = _factor * left;
                int pixelRows = Math.Min(height, pixelTop + (_factor * rows)) - pixelTop;
                int pixelColumns = Math.Min(width, pixelLeft + (_factor * columns)) - pixelLeft;
                if (pixelRows <= 0 || pixelColumns <= 0)
                {
                    continue; // latents of the alignment padding alone: their pixels are cropped off
                }

                using var scope = NewDisposeScope();
                int firstRow = Math.Max(0, top - _halo), endRow = Math.Min((int)values.shape[2], top + rows + _halo);
                int firstColumn = Math.Max(0, left - _halo), endColumn = Math.Min((int)values.shape[3], left + columns + _halo);
                Tensor part = values.narrow(2, firstRow, endRow - firstRow).narrow(3, firstColumn, endColumn - firstColumn).detach();
                part.requires_grad = withGradient;
                Tensor reconstruction = Synthesize(part)
                    .narrow(2, _factor * (top - firstRow), pixelRows)
                    .narrow(3, _factor * (left - firstColumn), pixelColumns)
                    .ClampedTo(0, 1);
                Tensor error = reconstruction.sub(_target.narrow(2, pixelTop, pixelRows).narrow(3, pixelLeft, pixelColumns)).Squared().sum();
                if (gradient is not null)
                {
                    error.backward();
                    gradient.narrow(2, firstRow, endRow - firstRow).narrow(3, firstColumn, endColumn - firstColumn).PlusInPlace(part.grad!);
                }

                total += error.ToDoubleValue();
            }
        }

        return (total, gradient);
    }

    /// <summary>
    /// Each channel's Gauss–Newton curvature of the squared error, 2·diag(JᵀJ) averaged over the channel's positions
    /// (J: g_s's Jacobian), (1, C, 1, 1), from one Rademacher probe: for v of independent ±1 over the pixels,
    /// E[(Jᵀv)²] = diag(JᵀJ); a channel's mean over the 144 positions of the crop's interior varies by about 12 % from
    /// probe to probe, which a probe on 24 × 24 latents did not improve on (docs/rate-distortion.md). The probe runs
    /// g_s forward and backward over a centre crop of up to <see cref="ProbeSide"/> latents a side and averages over the
    /// crop's latents at least the halo away from its cut edges, whose pixels lie in the crop (those near its edges computed
    /// from its zero padding, so approximately). It counts every pixel, where <see cref="Evaluate"/> leaves out clamped
    /// pixels and those past the image's edge: it can only read more, which damps the first pass's steps. Its signs come from
    /// <paramref name="noise"/>. On a textured photo at point 4 it read 0.0198 where the secant between the search's
    /// passes read 0.0195–0.0222 (channel means).
    /// </summary>
    public Tensor ProbedCurvature(Tensor latent, Generator noise)
    {
        using var scope = NewDisposeScope();
        ProbePasses++;
        int height = (int)latent.shape[2], width = (int)latent.shape[3];
        int rows = Math.Min(height, ProbeSide), columns = Math.Min(width, ProbeSide);
        int top = (height - rows) / 2, left = (width - columns) / 2;
        Tensor crop = latent.detach().narrow(2, top, rows).narrow(3, left, columns).contiguous();
        crop.requires_grad = true;
        using (enable_grad())
        {
            Tensor reconstruction = Synthesize(crop);
            Tensor signs = randint(0, 2, reconstruction.shape, dtype: reconstruction.dtype, device: reconstruction.device, generator: noise).Times(2).Plus(-1);
            reconstruction.mul(signs).sum().backward();
        }

        Tensor probe = crop.grad!;
        (int firstRow, int lastRow) = Interior(top, rows, height);
        (int firstColumn, int lastColumn) = Interior(left, columns, width);
        return probe.narrow(2, firstRow, lastRow - firstRow).narrow(3, firstColumn, lastColumn - firstColumn)
            .Squared().mean([0, 2, 3], keepdim: true).Times(2).MoveToOuterDisposeScope();
    }

    /// <summary>The longest side of <see cref="ProbedCurvature"/>'s crop, in latents (16: 256 × 256 pixels).</summary>
    internal const int ProbeSide = 16;

    /// <summary>The curvature probes so far.</summary>
    public int ProbePasses { get; private set; }

    /// <summary>
    /// The span [first, last) of a crop of <paramref name="length"/> latents at <paramref name="start"/> that lies at
    /// least the halo from a cut edge (a crop is cut only where the frame is longer than <see cref="ProbeSide"/>, so
    /// something always remains).
    /// </summary>
    private (int First, int Last) Interior(int start, int length, int frame) =>
        (start > 0 ? _halo : 0, start + length < frame ? length - _halo : length);

    /// <summary>The tiles along a side of <paramref name="length"/> latents: (first, count) of each.</summary>
    internal static IEnumerable<(int Start, int Length)> Spans(int length)
    {
        int count = (length + TileSide - 1) / TileSide;
        int side = (length + count - 1) / count;
        for (int start = 0; start < length; start += side)
        {
            yield return (start, Math.Min(side, length - start));
        }
    }

    /// <summary>g_s of a float32 latent in <see cref="Precision"/>, the reconstruction in float32 (differentiable in the latent).</summary>
    private Tensor Synthesize(Tensor latent)
    {
        if (Precision == ScalarType.Float32)
        {
            return _model.Synthesize(ChannelsLast(latent));
        }

        using var scope = NewDisposeScope();
        return _model.Synthesize(ChannelsLast(latent.to(Precision))).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same values with channels as the innermost dimension (NHWC strides), which libtorch's CPU convolutions take
    /// without reordering every layer's input and output: g_s forward and backward over a 256×256 crop took about
    /// 10 % less wall time (48 against 53 ms, median of 30, 2 threads) and 10–20 % less processor time.
    /// </summary>
    private static Tensor ChannelsLast(Tensor map) => map.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
