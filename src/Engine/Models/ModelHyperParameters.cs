namespace Nic.Codec.Models;

/// <summary>
/// The hyper-parameters that fix a model's tensor shapes (spec/nic-model.md §3). The CompressAI architectures use
/// <see cref="N"/> and <see cref="M"/>; <c>tfc-mnist</c> uses <see cref="LatentDimensions"/>; <c>mbt2018-mean-cc</c>
/// adds the three sizes of its channel-conditional context model (<see cref="ContextSlices"/>, <see cref="ContextHidden"/>,
/// <see cref="ContextKernel"/>, <see cref="ContextCheckerboard"/>). A value that does not apply to an architecture is 0.
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

    /// <summary>
    /// The slices S of y in a channel-conditional context model (metadata key <c>context_slices</c>, 2 … 16, dividing
    /// <see cref="M"/>), or 0 for an architecture without one (spec/nic-model.md §4.6).
    /// </summary>
    public int ContextSlices { get; init; }

    /// <summary>The hidden channels H of each context network (metadata key <c>context_hidden</c>, 1 … 1024), or 0.</summary>
    public int ContextHidden { get; init; }

    /// <summary>The kernel size K of each context network's outer convolutions (metadata key <c>context_kernel</c>, odd, 1 … 7), or 0.</summary>
    public int ContextKernel { get; init; }

    /// <summary>
    /// 1 when each slice of a channel-conditional context model is coded in two checkerboard passes, the second under
    /// the networks <c>spatial.{k}</c> (metadata key <c>context_checkerboard</c>, 0 when absent; spec/nic-model.md §4.6,
    /// spec/nic-coding.md §10.3), else 0.
    /// </summary>
    public int ContextCheckerboard { get; init; }

    /// <summary>Hyper-parameters of <c>mbt2018-mean-cc</c>: the mean-scale hyperprior's N and M and the context model's sizes.</summary>
    /// <param name="n">Channels of the inner layers.</param>
    /// <param name="m">Channels of the latent y.</param>
    /// <param name="slices">The slices S of y (2 … 16, dividing <paramref name="m"/>).</param>
    /// <param name="hidden">The hidden channels H of each context network (1 … 1024).</param>
    /// <param name="kernel">The kernel size K of the context networks' outer convolutions (odd, 1 … 7).</param>
    /// <returns>The hyper-parameters (checked when a model file is built or read, not here).</returns>
    public static ModelHyperParameters ForChannelContext(int n, int m, int slices, int hidden, int kernel) =>
        new(n, m, 0) { ContextSlices = slices, ContextHidden = hidden, ContextKernel = kernel };
}
