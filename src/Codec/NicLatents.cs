using Nic.Codec.Inference;

namespace Nic.Codec;

/// <summary>The latents an <see cref="ILatentOptimizer"/> found: y and, with a hyperprior, z (real-valued; the codec rounds them).</summary>
public sealed class NicLatents
{
    /// <summary>Creates the result.</summary>
    /// <param name="y">The latent y.</param>
    /// <param name="z">The hyper-latent z; null for a model without a hyperprior.</param>
    public NicLatents(FeatureMap y, FeatureMap? z)
    {
        ArgumentNullException.ThrowIfNull(y);
        Y = y;
        Z = z;
    }

    /// <summary>The latent y.</summary>
    public FeatureMap Y { get; }

    /// <summary>The hyper-latent z; null without a hyperprior.</summary>
    public FeatureMap? Z { get; }
}
