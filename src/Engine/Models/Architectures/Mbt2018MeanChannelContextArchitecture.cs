using System.Globalization;
using Nic.Codec.Inference;

namespace Nic.Codec.Models.Architectures;

/// <summary>
/// <c>mbt2018-mean-cc</c> (spec/nic-model.md §4.6): everything of <see cref="Mbt2018MeanArchitecture"/> — the transforms,
/// h_a, h_s, the entropy bottleneck and the Gaussian conditional, same tensors and names — plus a channel-conditional
/// context model for y (Minnen &amp; Singh 2020, in its simplest form). y's M channels are cut into S consecutive slices
/// of C = M / S; for each slice k ≥ 1 a small network <c>context.{k}</c> reads the normalized residuals of slices
/// 0 … k − 1 of the band and gives, per element of slice k, a shift of the mean and a factor of the scale
/// (spec/nic-coding.md §10.3, <see cref="EntropyModels.ChannelContextCoder"/>). With <c>context_checkerboard</c> = 1 each
/// slice k is coded in two passes (He et al. 2021): its anchors as above, then its other elements under a network
/// <c>spatial.{k}</c> that also reads the slice's decoded anchors. The networks decide table indexes and centres, so they
/// always run in the reference arithmetic.
/// </summary>
internal sealed class Mbt2018MeanChannelContextArchitecture() : Mbt2018MeanArchitecture(ModelArchitectureKind.Mbt2018MeanChannelContext, "mbt2018-mean-cc")
{
    /// <summary>The fewest slices (one slice would be <c>mbt2018-mean</c>).</summary>
    internal const int MinSlices = 2;

    /// <summary>The most slices.</summary>
    internal const int MaxSlices = 16;

    /// <summary>The most hidden channels of a context network.</summary>
    internal const int MaxHidden = 1024;

    /// <summary>The largest kernel of a context network.</summary>
    internal const int MaxKernel = 7;

    /// <summary>The slices a random model (<see cref="ModelFactory"/>) of M channels gets: 4, or 2 when 4 does not divide M.</summary>
    private const int DefaultSlices = 4;

    /// <summary>The kernel of a random model's context networks.</summary>
    private const int DefaultKernel = 3;

    private const float LeakySlope = ActivationLayer.DefaultLeakySlope;

    private protected override ModelHyperParameters NominalHyperParameters => ModelHyperParameters.ForChannelContext(2, 2, 2, 1, 1);

    internal override string? CheckHyperParameters(ModelHyperParameters? hyperParameters)
    {
        if (hyperParameters is null)
        {
            return "hyper-parameters are required";
        }

        string? problem = base.CheckHyperParameters(hyperParameters with { ContextSlices = 0, ContextHidden = 0, ContextKernel = 0, ContextCheckerboard = 0 });
        if (problem is not null)
        {
            return problem;
        }

        (int s, int h, int k, int m) = (hyperParameters.ContextSlices, hyperParameters.ContextHidden, hyperParameters.ContextKernel, hyperParameters.M);
        if (s is < MinSlices or > MaxSlices || m % s != 0)
        {
            return $"{Identifier} needs {MinSlices} ≤ context_slices ≤ {MaxSlices} dividing M (got context_slices={s}, M={m})";
        }

        if (h is < 1 or > MaxHidden)
        {
            return $"{Identifier} needs 1 ≤ context_hidden ≤ {MaxHidden} (got {h})";
        }

        if (k is < 1 or > MaxKernel || k % 2 == 0)
        {
            return $"{Identifier} needs an odd context_kernel from 1 to {MaxKernel} (got {k})";
        }

        if (hyperParameters.ContextCheckerboard is not (0 or 1))
        {
            return $"{Identifier} needs context_checkerboard 0 or 1 (got {hyperParameters.ContextCheckerboard})";
        }

        return null;
    }

    /// <summary>N and M with the random models' context sizes: 4 slices (2 when 4 does not divide M), H = M, K = 3.</summary>
    internal override ModelHyperParameters HyperParametersFor(int n, int m) =>
        ModelHyperParameters.ForChannelContext(n, m, m % DefaultSlices == 0 ? DefaultSlices : MinSlices, m, DefaultKernel);

    internal override ModelHyperParameters ReadHyperParameters(Func<string, int> count) =>
        base.ReadHyperParameters(count) with
        {
            ContextSlices = count(ModelMetadataKeys.ContextSlices),
            ContextHidden = count(ModelMetadataKeys.ContextHidden),
            ContextKernel = count(ModelMetadataKeys.ContextKernel),
            ContextCheckerboard = count(ModelMetadataKeys.ContextCheckerboard),
        };

    internal override void WriteHyperParameters(ModelHyperParameters hyperParameters, IDictionary<string, string> metadata)
    {
        base.WriteHyperParameters(hyperParameters, metadata);
        metadata[ModelMetadataKeys.ContextSlices] = hyperParameters.ContextSlices.ToString(CultureInfo.InvariantCulture);
        metadata[ModelMetadataKeys.ContextHidden] = hyperParameters.ContextHidden.ToString(CultureInfo.InvariantCulture);
        metadata[ModelMetadataKeys.ContextKernel] = hyperParameters.ContextKernel.ToString(CultureInfo.InvariantCulture);

        // Absent reads as 0, so a model without the checkerboard passes keeps the metadata it always had.
        if (hyperParameters.ContextCheckerboard != 0)
        {
            metadata[ModelMetadataKeys.ContextCheckerboard] = hyperParameters.ContextCheckerboard.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// <c>context.1</c> … <c>context.{S−1}</c>: for slice k, Conv2d k·C → H (kernel K), LeakyReLU(0.01), Conv2d H → H
    /// (kernel 1), LeakyReLU(0.01), Conv2d H → 2C (kernel K); all stride 1, padding K/2. Output channels 0 … C − 1 are
    /// the mean shifts a, C … 2C − 1 the scale changes b. With <c>context_checkerboard</c> = 1 they are followed by
    /// <c>spatial.0</c> … <c>spatial.{S−1}</c>, the same layers on (k + 1)·C input channels (slices 0 … k − 1, then
    /// slice k's anchors).
    /// </summary>
    internal override IReadOnlyList<NetworkPlan> ContextPlans(ModelHyperParameters hyperParameters)
    {
        (int s, int h, int k) = (hyperParameters.ContextSlices, hyperParameters.ContextHidden, hyperParameters.ContextKernel);
        if (s < MinSlices || hyperParameters.M % s != 0)
        {
            return [];
        }

        int c = hyperParameters.M / s;
        var plans = new List<NetworkPlan>(2 * s);
        for (int slice = 1; slice < s; slice++)
        {
            plans.Add(Network(string.Create(CultureInfo.InvariantCulture, $"context.{slice}"), slice * c, h, c, k, $"the normalized residuals of slices 0…{slice - 1}", slice));
        }

        for (int slice = 0; hyperParameters.ContextCheckerboard == 1 && slice < s; slice++)
        {
            string input = slice == 0 ? "slice 0's anchor residuals (0 at the other elements)" : $"the normalized residuals of slices 0…{slice - 1}, then slice {slice}'s anchor residuals (0 at the other elements)";
            plans.Add(Network(string.Create(CultureInfo.InvariantCulture, $"spatial.{slice}"), (slice + 1) * c, h, c, k, input, slice));
        }

        return plans;
    }

    /// <summary>One context network: conv K, LeakyReLU(0.01), conv 1, LeakyReLU(0.01), conv K to 2C.</summary>
    private static NetworkPlan Network(string name, int inChannels, int h, int c, int k, string input, int slice) =>
        new(name,
        [
            Conv(name + ".0", inChannels, h, k, 1, $"context conv, stride 1, padding K/2; input {input}; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Conv(name + ".2", h, h, 1, 1, "context conv, kernel 1; LeakyReLU(0.01) follows"),
            new ActivationPlan(LeakySlope),
            Conv(name + ".4", h, 2 * c, k, 1, $"context conv, stride 1, padding K/2; output channels 0…C−1 shift the means, C…2C−1 change the scales of slice {slice}"),
        ], ReferenceArithmetic: true);
}
