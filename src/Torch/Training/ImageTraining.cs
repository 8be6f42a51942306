using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nic.Torch.Models;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// A complete image-model training run: random crops and flips from the training photographs, loss
/// bpp + λ · 255² · MSE, Adam with a step learning-rate schedule and gradient clipping, a second Adam for the
/// bottleneck's quantiles, validation on fixed crops of the held-out photographs, checkpoints (resumed from
/// automatically), and at the end a model file with the training recorded in its metadata.
/// </summary>
public static class ImageTraining
{
    /// <summary>Runs (or resumes) the training.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="progress">Receives every step's figures and every validation; may be null.</param>
    /// <param name="cancellationToken">Stops between steps; a checkpoint is written first when there is one.</param>
    /// <returns>The exported model file and the final figures.</returns>
    /// <exception cref="OperationCanceledException">Cancelled (the checkpoint holds the progress).</exception>
    public static ImageTrainingResult Run(ImageTrainingOptions options, IImageTrainingObserver? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Steps);
        if (options.CropSize % ImageCompressionModel.SizeMultiple != 0 || options.ValidationCropSize % ImageCompressionModel.SizeMultiple != 0)
        {
            throw new ArgumentException($"crop sizes must be multiples of {ImageCompressionModel.SizeMultiple}", nameof(options));
        }

        TorchRuntime.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        PhotoSet training = PhotoSet.Load(Path.Combine(options.PhotoDirectory, "train"), options.DownscaleFactors, options.CropSize);
        PhotoSet validationPhotos = PhotoSet.Load(Path.Combine(options.PhotoDirectory, "validation"), options.DownscaleFactors, options.ValidationCropSize);
        using Tensor validation = validationPhotos.CentreCrops(options.ValidationCropSize);
        progress?.DataLoaded(training.Photos.Count, (int)validation.shape[0], clock.Elapsed);

        random.manual_seed(options.Seed);
        using ImageCompressionModel model = options.InitialModel is { } initial
            ? ImageModels.FromModelFile(initial)
            : ImageModels.Create(options.Architecture, options.N, options.M);
        var trainerOptions = new RateDistortionTrainerOptions
        {
            Lambda = options.Lambda,
            Distortion = DistortionMeasure.ScaledMeanSquaredError,
            RateUnit = RateUnit.BitsPerPixel,
            LearningRate = options.LearningRate,
            LearningRateMilestones = options.LearningRateMilestones,
            ClipGradientNorm = options.ClipGradientNorm,
            Seed = options.Seed,
        };
        var batches = new PhotoCrops(training, options.BatchSize, options.CropSize, options.Seed);
        using var trainer = new RateDistortionTrainer(model, batches, trainerOptions);
        if (options.CheckpointPath is { } checkpoint && File.Exists(checkpoint))
        {
            trainer.LoadCheckpoint(checkpoint);
            progress?.Resumed(trainer.StepCount);
        }

        var trainingClock = Stopwatch.StartNew();
        long startStep = trainer.StepCount;
        ValidationResult lastValidation;
        while (trainer.StepCount < options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint(trainer, options);
                cancellationToken.ThrowIfCancellationRequested();
            }

            TrainingProgress step = trainer.Step();
            progress?.Stepped(step, options.Steps);
            if (options.CheckpointPath is not null && step.Step % options.CheckpointEvery == 0)
            {
                SaveCheckpoint(trainer, options);
            }

            if (step.Step % options.ValidateEvery == 0 && step.Step < options.Steps)
            {
                lastValidation = trainer.Validate(validation, batchSize: 4);
                progress?.Validated(step.Step, lastValidation, Psnr(lastValidation.Distortion));
            }
        }

        SaveCheckpoint(trainer, options);
        lastValidation = trainer.Validate(validation, batchSize: 4);
        progress?.Validated(trainer.StepCount, lastValidation, Psnr(lastValidation.Distortion));
        trainingClock.Stop();
        string summary = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["trainer"] = "nic train",
            ["steps"] = trainer.StepCount,
            ["skipped_steps"] = trainer.SkippedSteps,
            ["batch_size"] = options.BatchSize,
            ["crop_size"] = options.CropSize,
            ["downscale_factors"] = options.DownscaleFactors,
            ["learning_rate"] = options.LearningRate,
            ["learning_rate_milestones"] = options.LearningRateMilestones,
            ["clip_gradient_norm"] = options.ClipGradientNorm ?? 0,
            ["seed"] = options.Seed,
            ["data"] = "docs/data.md photographs: " + string.Join(",", training.Photos.Select(p => p.Name).Distinct()),
            ["validation_photos"] = string.Join(",", validationPhotos.Photos.Select(p => p.Name).Distinct()),
            ["validation_crops"] = validation.shape[0],
            ["validation_bpp"] = Round(lastValidation.Rate),
            ["validation_psnr_db"] = Round(Psnr(lastValidation.Distortion)),
            ["training_seconds_this_run"] = Round(trainingClock.Elapsed.TotalSeconds),
            ["fine_tuned_from"] = options.InitialModel?.Name ?? string.Empty,
        });
        byte[] file = model.Export(options.ModelName, options.Lambda, summary, options.RatePoint, options.Family, options.Precision);
        double stepsPerSecond = (trainer.StepCount - startStep) / Math.Max(trainingClock.Elapsed.TotalSeconds, 1e-9);
        return new ImageTrainingResult(trainer.StepCount, trainer.SkippedSteps, stepsPerSecond, lastValidation, Psnr(lastValidation.Distortion), file);
    }

    /// <summary>RGB PSNR in dB from the distortion 255² · MSE.</summary>
    public static double Psnr(double scaledMse) => 10 * Math.Log10(255.0 * 255.0 / Math.Max(scaledMse, 1e-12));

    private static double Round(double value) => Math.Round(value, 4);

    private static void SaveCheckpoint(RateDistortionTrainer trainer, ImageTrainingOptions options)
    {
        if (options.CheckpointPath is { } path)
        {
            trainer.SaveCheckpoint(path);
        }
    }
}

/// <summary>What an <see cref="ImageTraining"/> run gives.</summary>
/// <param name="Steps">The steps done in all (resumed runs included).</param>
/// <param name="SkippedSteps">Steps skipped for a non-finite loss or gradient.</param>
/// <param name="StepsPerSecond">Training speed in this run.</param>
/// <param name="Validation">The final validation: bits per pixel and 255² · MSE.</param>
/// <param name="ValidationPsnr">The final validation PSNR in dB.</param>
/// <param name="ModelFile">The exported model file.</param>
public sealed record ImageTrainingResult(long Steps, long SkippedSteps, double StepsPerSecond, ValidationResult Validation, double ValidationPsnr, byte[] ModelFile);

/// <summary>Receives the events of an <see cref="ImageTraining"/> run (a progress bar, a log).</summary>
public interface IImageTrainingObserver
{
    /// <summary>The photographs are decoded.</summary>
    void DataLoaded(int trainingPhotos, int validationCrops, TimeSpan elapsed);

    /// <summary>Training resumes from a checkpoint at <paramref name="step"/>.</summary>
    void Resumed(long step);

    /// <summary>A step is done.</summary>
    void Stepped(TrainingProgress progress, long totalSteps);

    /// <summary>A validation is done.</summary>
    void Validated(long step, ValidationResult result, double psnr);
}
