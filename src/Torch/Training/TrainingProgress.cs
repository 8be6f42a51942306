namespace Nic.Torch.Training;

/// <summary>One optimizer step's figures.</summary>
/// <param name="Step">The number of steps done so far, this one included.</param>
/// <param name="Rate">The batch's mean rate (bits per example or per pixel, as the options say).</param>
/// <param name="Distortion">The batch's distortion.</param>
/// <param name="Loss">Rate + λ · distortion.</param>
/// <param name="StepsPerSecond">Steps per second since the trainer was created or resumed.</param>
/// <param name="AuxiliaryLoss">The auxiliary (quantile) loss, 0 for models without one.</param>
/// <param name="LearningRate">The main learning rate the step used.</param>
/// <param name="SkippedSteps">Steps skipped so far for a non-finite loss or gradient.</param>
public readonly record struct TrainingProgress(
    long Step,
    double Rate,
    double Distortion,
    double Loss,
    double StepsPerSecond,
    double AuxiliaryLoss = 0,
    double LearningRate = 0,
    long SkippedSteps = 0);
