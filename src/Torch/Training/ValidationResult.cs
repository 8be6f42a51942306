namespace Nic.Torch.Training;

/// <summary>Rate and distortion of a model in evaluation mode (quantized latents) on a held-out set.</summary>
/// <param name="Count">The number of examples.</param>
/// <param name="Rate">Mean rate in bits per example, from the likelihoods.</param>
/// <param name="Distortion">Mean distortion per example.</param>
/// <param name="Loss">Rate + λ · distortion.</param>
public readonly record struct ValidationResult(int Count, double Rate, double Distortion, double Loss);
