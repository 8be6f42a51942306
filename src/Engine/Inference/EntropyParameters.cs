namespace Nic.Codec.Inference;

/// <summary>
/// What h_s gives for the latent y: a scale σ per element and, for mean-scale models, a mean μ per element (null
/// for the scale hyperprior, whose means are 0). Computed by the deterministic managed engine on every backend.
/// </summary>
/// <param name="Scales">σ, shaped like y.</param>
/// <param name="Means">μ, shaped like y, or null.</param>
public sealed record EntropyParameters(FeatureMap Scales, FeatureMap? Means);
