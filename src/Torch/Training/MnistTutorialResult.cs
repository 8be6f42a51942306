namespace Nic.Torch.Training;

/// <summary>The figures of one <see cref="MnistTutorial.Run"/>.</summary>
/// <param name="Steps">Optimizer steps run.</param>
/// <param name="StepsPerSecond">Training throughput.</param>
/// <param name="WallTime">Time of the training steps.</param>
/// <param name="LastTraining">The last step's batch figures.</param>
/// <param name="Validation">Evaluation-mode rate (bits per digit, from the likelihoods) and MAE on the held-out digits.</param>
/// <param name="CompressedBitsPerDigit">The held-out digits' actual compressed size through the string API, in bits per digit.</param>
/// <param name="DecompressedMae">MAE of the digits decompressed from those strings.</param>
/// <param name="ModelFile">The trained model as a Nic model file.</param>
public sealed record MnistTutorialResult(
    long Steps,
    double StepsPerSecond,
    TimeSpan WallTime,
    TrainingProgress LastTraining,
    ValidationResult Validation,
    double CompressedBitsPerDigit,
    double DecompressedMae,
    byte[] ModelFile);
