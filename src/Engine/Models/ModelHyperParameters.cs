namespace Nic.Codec.Models;

/// <summary>
/// The hyper-parameters that fix a model's tensor shapes (spec/nic-model.md §3). The CompressAI architectures use
/// <see cref="N"/> and <see cref="M"/>; <c>tfc-mnist</c> uses <see cref="LatentDimensions"/>. A value that does not
/// apply to an architecture is 0.
/// </summary>
/// <param name="N">Channels of the inner layers (metadata key <c>N</c>), or 0.</param>
/// <param name="M">Channels of the latent y (metadata key <c>M</c>), or 0.</param>
/// <param name="LatentDimensions">Dimensions of the dense latent of <c>tfc-mnist</c> (metadata key <c>latent_dims</c>), or 0.</param>
public sealed record ModelHyperParameters(int N, int M, int LatentDimensions)
{
    /// <summary>The largest channel or latent count a model file may declare.</summary>
    public const int MaxChannels = 4096;

    /// <summary>The latent dimensions of the TensorFlow Compression MNIST tutorial model.</summary>
    public const int DefaultMnistLatentDimensions = 50;

    /// <summary>Hyper-parameters of a CompressAI-style architecture.</summary>
    /// <param name="n">Channels of the inner layers.</param>
    /// <param name="m">Channels of the latent y.</param>
    /// <returns>The hyper-parameters, with no latent dimensions.</returns>
    public static ModelHyperParameters ForChannels(int n, int m) => new(n, m, 0);

    /// <summary>Hyper-parameters of <c>tfc-mnist</c>.</summary>
    /// <param name="latentDimensions">Dimensions of the dense latent (50 in the tutorial).</param>
    /// <returns>The hyper-parameters, with no channel counts.</returns>
    public static ModelHyperParameters ForMnist(int latentDimensions = DefaultMnistLatentDimensions) => new(0, 0, latentDimensions);
}
