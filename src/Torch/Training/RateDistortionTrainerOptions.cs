namespace Nic.Torch.Training;

/// <summary>Settings of a <see cref="RateDistortionTrainer"/>.</summary>
public sealed record RateDistortionTrainerOptions
{
    /// <summary>λ, the weight of the distortion in the loss rate + λ · distortion.</summary>
    public required double Lambda { get; init; }

    /// <summary>The distortion measure (default: mean absolute error).</summary>
    public DistortionMeasure Distortion { get; init; } = DistortionMeasure.MeanAbsoluteError;

    /// <summary>
    /// How the rate enters the loss: bits per example (the MNIST tutorial) or bits per pixel, the bits of an image
    /// divided by its height × width (CompressAI's convention for images).
    /// </summary>
    public RateUnit RateUnit { get; init; } = RateUnit.BitsPerExample;

    /// <summary>Adam's learning rate for the main parameters at step 0 (default 10⁻³).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// The steps at which the main learning rate is multiplied by <see cref="LearningRateDecay"/> (a step schedule:
    /// from step s on, the rate is the initial one times decay^(milestones ≤ s)). Empty: constant.
    /// </summary>
    public IReadOnlyList<long> LearningRateMilestones { get; init; } = [];

    /// <summary>The factor applied at each milestone (default 0.1).</summary>
    public double LearningRateDecay { get; init; } = 0.1;

    /// <summary>The learning rate of the auxiliary optimizer (Adam on the bottleneck's quantiles; default 10⁻³).</summary>
    public double AuxiliaryLearningRate { get; init; } = 1e-3;

    /// <summary>
    /// The largest L2 norm of the main gradient; larger gradients are scaled down to it (CompressAI's examples use 1).
    /// Null: no clipping.
    /// </summary>
    public double? ClipGradientNorm { get; init; }

    /// <summary>
    /// How many steps in a row may have a non-finite loss or gradient (skipped without touching the weights) before
    /// training stops with <see cref="TrainingDivergedException"/> (default 20).
    /// </summary>
    public int MaxConsecutiveSkippedSteps { get; init; } = 20;

    /// <summary>The seed of the training noise (torch's generator is reseeded from it and the step number every step).</summary>
    public int Seed { get; init; }

    /// <summary>The main learning rate in force at <paramref name="step"/> (0-based).</summary>
    public double LearningRateAt(long step)
    {
        double rate = LearningRate;
        foreach (long milestone in LearningRateMilestones)
        {
            if (step >= milestone)
            {
                rate *= LearningRateDecay;
            }
        }

        return rate;
    }
}

/// <summary>The unit of the rate term of the training loss.</summary>
public enum RateUnit
{
    /// <summary>Bits per example (per digit, per image).</summary>
    BitsPerExample,

    /// <summary>Bits per pixel: an example's bits divided by its height × width.</summary>
    BitsPerPixel,
}
