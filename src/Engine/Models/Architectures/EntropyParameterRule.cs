namespace Nic.Codec.Models.Architectures;

/// <summary>What an architecture's h_s gives the coding of y (spec/nic-model.md §4 and spec/nic-coding.md §11).</summary>
internal enum EntropyParameterRule
{
    /// <summary>No hyperprior: y is coded by the entropy bottleneck itself (or by a prior of its own, as tfc-mnist's).</summary>
    None,

    /// <summary>h_s gives the scales σ of a zero-mean Gaussian conditional (M output channels).</summary>
    Scales,

    /// <summary>h_s's last layer gives the scales σ (channels 0 … M − 1), then the means μ (channels M … 2M − 1).</summary>
    ScalesAndMeans,
}
