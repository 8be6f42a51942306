using Nic.Codec.Models.Architectures;

namespace Nic.Codec.Models;

/// <summary>
/// How an architecture's latents line up with the image (spec/nic-model.md §4.1 and §10.1), derived from the kernel sizes
/// and strides of its layer graphs (<see cref="ModelArchitecture.Geometry"/>) rather than written as constants.
/// </summary>
public sealed class ModelGeometry
{
    internal ModelGeometry(int latentFactor, int hyperLatentFactor, int analysisHalo, int synthesisHalo)
    {
        LatentFactor = latentFactor;
        HyperLatentFactor = hyperLatentFactor;
        AnalysisHalo = analysisHalo;
        SynthesisHalo = synthesisHalo;
    }

    /// <summary>Image rows (and columns) per latent row of y: the product of g_a's strides, 16 for the CompressAI architectures.</summary>
    public int LatentFactor { get; }

    /// <summary>Image rows (and columns) per row of the hyper-latent z: <see cref="LatentFactor"/> times h_a's strides (64), or 0 without a hyperprior.</summary>
    public int HyperLatentFactor { get; }

    /// <summary>The multiple the encoder pads the image sides to: the factor of the coarsest latent (64 with a hyperprior, 16 without).</summary>
    public int Alignment => HyperLatentFactor > 0 ? HyperLatentFactor : LatentFactor;

    /// <summary>
    /// The latent rows added above and below a band of g_a run on a window of the image, so that the band's own rows equal
    /// full-frame analysis: the zero padding at a cut edge spoils ⌈(m + k/2) / s⌉ output rows of a layer whose input has
    /// m spoiled rows (2 for the CompressAI architectures).
    /// </summary>
    public int AnalysisHalo { get; }

    /// <summary>
    /// The latent rows added above and below a band of g_s, so that banded synthesis equals full-frame synthesis: a
    /// transposed convolution with kernel k doubles the spoiled margin and adds k/2, a stride-1 convolution adds k/2; the
    /// halo is the final margin in latent rows, rounded up (2 for the CompressAI architectures).
    /// </summary>
    public int SynthesisHalo { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"latent factor {LatentFactor}, hyper-latent factor {HyperLatentFactor}, alignment {Alignment}, analysis halo {AnalysisHalo}, synthesis halo {SynthesisHalo}";

    /// <summary>
    /// The geometry of an architecture's layer graphs, or null when g_a or g_s is not made of convolutions and point-wise
    /// layers only (a dense latent such as tfc-mnist's has no row-wise correspondence with the image).
    /// </summary>
    /// <exception cref="InvalidOperationException">g_s does not undo exactly what g_a (or h_s what h_a) downsamples.</exception>
    internal static ModelGeometry? Derive(NetworkPlan analysis, NetworkPlan synthesis, NetworkPlan? hyperAnalysis, NetworkPlan? hyperSynthesis)
    {
        if (Downsampling(analysis) is not (int latentFactor, int analysisMargin) || Upsampling(synthesis) is not (int synthesisFactor, int synthesisMargin))
        {
            return null;
        }

        if (latentFactor != synthesisFactor)
        {
            throw new InvalidOperationException($"{analysis.Name} downsamples by {latentFactor} but {synthesis.Name} upsamples by {synthesisFactor}");
        }

        int hyperLatentFactor = 0;
        if (hyperAnalysis is not null)
        {
            int hyperDown = Downsampling(hyperAnalysis)?.Factor ?? throw new InvalidOperationException($"{hyperAnalysis.Name} is not made of convolutions");
            int hyperUp = hyperSynthesis is null ? 0 : Upsampling(hyperSynthesis)?.Factor ?? 0;
            if (hyperDown != hyperUp)
            {
                throw new InvalidOperationException($"{hyperAnalysis.Name} downsamples by {hyperDown} but h_s upsamples by {hyperUp}");
            }

            hyperLatentFactor = latentFactor * hyperDown;
        }

        return new ModelGeometry(latentFactor, hyperLatentFactor, analysisMargin, (synthesisMargin + latentFactor - 1) / latentFactor);
    }

    /// <summary>
    /// Follows a cut edge through a network of convolutions, transposed convolutions and point-wise layers: its scale
    /// factor (the product of a downsampling network's strides, or the upsampling of one made of transposed convolutions
    /// and stride-1 convolutions) and the spoiled rows of its output. A convolution with stride s and kernel k whose
    /// input has m spoiled rows has ⌈(m + k/2) / s⌉; a transposed convolution (stride 2) has 2m + k/2. Null for a
    /// network with other layers, or that mixes downsampling and upsampling.
    /// </summary>
    private static (int Factor, int Margin)? Downsampling(NetworkPlan network) => Scale(network, upsampling: false);

    /// <inheritdoc cref="Downsampling"/>
    private static (int Factor, int Margin)? Upsampling(NetworkPlan network) => Scale(network, upsampling: true);

    /// <inheritdoc cref="Downsampling"/>
    private static (int Factor, int Margin)? Scale(NetworkPlan network, bool upsampling)
    {
        int factor = 1, margin = 0;
        foreach (LayerPlan layer in network.Layers)
        {
            switch (layer)
            {
                case ConvPlan conv when !upsampling || conv.Stride == 1:
                    factor *= conv.Stride;
                    margin = (margin + (conv.Kernel / 2) + conv.Stride - 1) / conv.Stride;
                    break;
                case DeconvPlan deconv when upsampling:
                    factor *= DeconvPlan.Stride;
                    margin = (DeconvPlan.Stride * margin) + (deconv.Kernel / 2);
                    break;
                case GdnPlan or ActivationPlan:
                    break;
                default:
                    return null;
            }
        }

        return (factor, margin);
    }
}
