namespace Nic.Torch.Training;

/// <summary>The figures of one <see cref="MnistTutorial.Run(string, int, IProgress{TrainingProgress}?, IProgress{MnistEpoch}?, double, int, int, CancellationToken)"/>.</summary>
/// <param name="Steps">Optimizer steps run.</param>
/// <param name="StepsPerSecond">Training throughput (validation time included).</param>
/// <param name="WallTime">Time of the whole run, training and validation.</param>
/// <param name="LastTraining">The last step's batch figures.</param>
/// <param name="Epochs">Each epoch's training means and validation.</param>
/// <param name="Validation">Evaluation-mode rate (bits per digit, from the likelihoods) and MAE on the validation digits after the last epoch.</param>
/// <param name="Compressed">The validation digits actually compressed and decompressed.</param>
/// <param name="ModelFile">The trained model as a Nic model file.</param>
public sealed record MnistTutorialResult(
    long Steps,
    double StepsPerSecond,
    TimeSpan WallTime,
    TrainingProgress LastTraining,
    IReadOnlyList<MnistEpoch> Epochs,
    ValidationResult Validation,
    MnistCompressionResult Compressed,
    byte[] ModelFile);

/// <summary>One epoch of <see cref="MnistTutorial"/>: the means of its training steps' batch figures (as Keras prints them) and the validation after it.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Steps">Optimizer steps done by its end.</param>
/// <param name="TrainingTime">The time of its training steps.</param>
/// <param name="ValidationTime">The time of its validation.</param>
/// <param name="Rate">Mean training rate (noisy latents), bits per digit.</param>
/// <param name="Distortion">Mean training MAE.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="Validation">Evaluation-mode (rounded latents) rate and MAE on the validation digits.</param>
/// <param name="ModelFile">The model as it stands after this epoch, as a Nic model file (so that a run stopped later keeps it).</param>
public sealed record MnistEpoch(int Epoch, long Steps, TimeSpan TrainingTime, TimeSpan ValidationTime, double Rate, double Distortion, double Loss, ValidationResult Validation, byte[] ModelFile);

/// <summary>Digits actually compressed to strings and decompressed (<see cref="MnistTutorial.Evaluate"/>).</summary>
/// <param name="Count">Digits.</param>
/// <param name="BitsPerDigit">The strings' mean length in bits.</param>
/// <param name="EstimatedBitsPerDigit">The mean information content of the rounded latents under the prior (−log₂ likelihood).</param>
/// <param name="Mae">Mean absolute error of the decompressed digits rounded to 8 bits, on the [0, 1] scale.</param>
/// <param name="CompressTime">Time to compress all of them.</param>
/// <param name="DecompressTime">Time to decompress all of them (entropy decoding and synthesis).</param>
/// <param name="ChainedBitsPerDigit">The same latents coded as one compact stream (decoded back and checked), per digit: the rate of a message of many digits.</param>
public sealed record MnistCompressionResult(int Count, double BitsPerDigit, double EstimatedBitsPerDigit, double Mae, TimeSpan CompressTime, TimeSpan DecompressTime, double ChainedBitsPerDigit);
