namespace Nic.Codec.Models;

/// <summary>The network architectures a Nic model file can hold (spec/nic-model.md §4).</summary>
public enum ModelArchitectureKind
{
    /// <summary><c>bmshj2018-factorized</c>: GDN analysis and synthesis transforms with a factorized prior (entropy bottleneck) on y.</summary>
    Bmshj2018Factorized,

    /// <summary><c>bmshj2018-hyperprior</c>: the scale hyperprior; y is coded with a zero-mean Gaussian conditional whose scales come from h_s.</summary>
    Bmshj2018Hyperprior,

    /// <summary><c>mbt2018-mean</c>: the mean-scale hyperprior; h_s predicts both the scales and the means of y.</summary>
    Mbt2018Mean,

    /// <summary><c>tfc-mnist</c>: the TensorFlow Compression MNIST tutorial model, a dense latent with a per-dimension logistic prior.</summary>
    TfcMnist,

    /// <summary>
    /// <c>mbt2018-mean-cc</c>: the mean-scale hyperprior's transforms and h_s, with a channel-conditional context model:
    /// y is cut into slices, and each slice's means and scales are refined from h_s's by a small network on the slices
    /// decoded before it.
    /// </summary>
    Mbt2018MeanChannelContext,
}
