namespace Nic.Codec;

/// <summary>
/// Searches, for one image, latents that the model codes at a lower rate + λ·distortion cost than the analysis
/// transform's own (the encoder effort of <see cref="NicEncodeOptions.Effort"/> above 1). Only the encoder changes: the
/// codec quantizes what it returns and codes it exactly as it codes g_a's output (ẑ, the managed h_s, the table indexes
/// and the symbols), so every conformant decoder reads the result. Nic.Codec carries none (it never needs libtorch);
/// Nic.Torch's <c>TorchLatentOptimizer</c> is one. Set it in <see cref="NicCodecOptions.LatentOptimizer"/>.
/// Implementations must be thread-safe: one codec may run several encodes at once.
/// </summary>
public interface ILatentOptimizer
{
    /// <summary>A short name of the method and its engine, for logs (e.g. <c>sga/torch:cpu</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Better latents for <paramref name="problem"/>: y of the shape of <see cref="NicLatentProblem.Y"/> and, with a
    /// hyperprior, z of the shape of <see cref="NicLatentProblem.Z"/>. They may be real-valued: the codec rounds them.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    NicLatents Optimize(NicLatentProblem problem, CancellationToken cancellationToken);
}
