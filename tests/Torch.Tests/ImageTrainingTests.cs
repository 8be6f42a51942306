using System.Text.Json;
using Nic.Codec.Models;
using Nic.Torch.Models;
using Nic.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class ImageTrainingTests
{
    [Fact]
    public void TheScheduleDividesAtEachMilestone()
    {
        var options = new RateDistortionTrainerOptions { Lambda = 1, LearningRate = 1e-3, LearningRateMilestones = [10, 20] };
        Assert.Equal(1e-3, options.LearningRateAt(0));
        Assert.Equal(1e-3, options.LearningRateAt(9));
        Assert.Equal(1e-4, options.LearningRateAt(10), 12);
        Assert.Equal(1e-5, options.LearningRateAt(25), 12);
    }

    [Fact]
    public void ImageModelsTrainBothOptimizersAndResumeExactly()
    {
        using var scope = NewDisposeScope();
        using var photos = new TestPhotos(trainCount: 2);
        PhotoSet set = PhotoSet.Load(Path.Combine(photos.Root, "train"), [1]);
        var options = new RateDistortionTrainerOptions
        {
            Lambda = 0.01,
            Distortion = DistortionMeasure.ScaledMeanSquaredError,
            RateUnit = RateUnit.BitsPerPixel,
            ClipGradientNorm = 1.0,
            LearningRate = 1e-3,
            LearningRateMilestones = [4],
            Seed = 3,
        };
        string path = Path.Combine(Path.GetTempPath(), $"nic-ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            random.manual_seed(1);
            using ImageCompressionModel first = ImageModels.Create(ModelArchitectureKind.Bmshj2018Hyperprior, 8, 8);
            float[] quantilesBefore = first.EntropyBottleneck.Quantiles.detach().clone().data<float>().ToArray();
            using var firstTrainer = new RateDistortionTrainer(first, new PhotoCrops(set, 2, 64, 3), options);
            TrainingProgress p = firstTrainer.Train(3);
            Assert.True(double.IsFinite(p.Loss) && p.Rate > 0 && p.Distortion > 0);
            Assert.Equal(p.Rate + (0.01 * p.Distortion), p.Loss, 2);
            Assert.True(p.AuxiliaryLoss > 0);
            Assert.NotEqual(quantilesBefore, first.EntropyBottleneck.Quantiles.detach().data<float>().ToArray());
            firstTrainer.SaveCheckpoint(path);
            TrainingProgress afterMilestone = firstTrainer.Train(3);
            Assert.Equal(1e-4, afterMilestone.LearningRate, 12);

            random.manual_seed(2);
            using ImageCompressionModel second = ImageModels.Create(ModelArchitectureKind.Bmshj2018Hyperprior, 8, 8);
            using var secondTrainer = new RateDistortionTrainer(second, new PhotoCrops(set, 2, 64, 3), options);
            secondTrainer.LoadCheckpoint(path);
            Assert.Equal(3, secondTrainer.StepCount);
            secondTrainer.Train(3);
            Assert.Equal(ParameterSnapshot.Of(first), ParameterSnapshot.Of(second));

            using var mnist = new TfcMnistModel(4);
            using var wrongKind = new RateDistortionTrainer(mnist, new ShuffledBatches(zeros(4, 1, 28, 28), 2, 1), new RateDistortionTrainerOptions { Lambda = 1 });
            Assert.Throws<InvalidDataException>(() => wrongKind.LoadCheckpoint(path));

            using ImageCompressionModel wider = ImageModels.Create(ModelArchitectureKind.Bmshj2018Hyperprior, 8, 12);
            using var widerTrainer = new RateDistortionTrainer(wider, new PhotoCrops(set, 2, 64, 3), options);
            InvalidDataException mismatch = Assert.Throws<InvalidDataException>(() => widerTrainer.LoadCheckpoint(path));
            Assert.Contains("does not fit this run's model", mismatch.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void NonFiniteStepsAreSkippedWithoutTouchingTheWeightsThenStopTheRun()
    {
        using var scope = NewDisposeScope();
        using var model = new PoisonedModel();
        using var trainer = new RateDistortionTrainer(model, new ShuffledBatches(ones(8, 2), 2, 1), new RateDistortionTrainerOptions { Lambda = 1, MaxConsecutiveSkippedSteps = 2 });
        trainer.Step();
        float after = model.Weight.detach().item<float>();
        Assert.NotEqual(1f, after);
        model.Poisoned = true;
        Assert.Equal(1, trainer.Step().SkippedSteps);
        Assert.Equal(2, trainer.Step().SkippedSteps);
        Assert.Equal(after, model.Weight.detach().item<float>());
        Assert.Throws<TrainingDivergedException>(() => trainer.Step());
        Assert.Equal(after, model.Weight.detach().item<float>());
    }

    [Fact]
    public void ATrainingRunExportsAModelFileAndResumesFromItsCheckpoint()
    {
        using var photos = new TestPhotos(trainCount: 2, validationCount: 1);
        string checkpoint = Path.Combine(Path.GetTempPath(), $"nic-run-{Guid.NewGuid():N}.ckpt");
        try
        {
            var options = new ImageTrainingOptions
            {
                Architecture = ModelArchitectureKind.Mbt2018Mean,
                N = 8,
                M = 8,
                Lambda = 0.0130,
                Steps = 4,
                BatchSize = 2,
                CropSize = 64,
                ValidationCropSize = 128,
                DownscaleFactors = [1],
                PhotoDirectory = photos.Root,
                CheckpointPath = checkpoint,
                CheckpointEvery = 2,
                ValidateEvery = 2,
                ModelName = "test-run",
                RatePoint = 3,
            };
            var events = new RecordingObserver();
            ImageTrainingResult result = ImageTraining.Run(options, events);
            Assert.Equal(4, result.Steps);
            Assert.True(File.Exists(checkpoint));
            Assert.Equal([1L, 2L, 3L, 4L], events.Steps);
            Assert.Equal([2L, 4L], events.Validations);
            NicModelFile file = NicModelFile.Load(result.ModelFile);
            Assert.Equal(ModelArchitectureKind.Mbt2018Mean, file.Architecture.Kind);
            Assert.Equal("test-run", file.Name);
            using JsonDocument training = JsonDocument.Parse(file.Metadata["training"]);
            Assert.Equal(4, training.RootElement.GetProperty("steps").GetInt64());
            Assert.Equal("held0.png", training.RootElement.GetProperty("validation_photos").GetString());
            Assert.Equal(result.Validation.Rate, training.RootElement.GetProperty("validation_bpp").GetDouble(), 3);

            var resumed = new RecordingObserver();
            ImageTrainingResult more = ImageTraining.Run(options with { Steps = 6 }, resumed);
            Assert.Equal(4, resumed.ResumedAt);
            Assert.Equal([5L, 6L], resumed.Steps);
            Assert.Equal(6, more.Steps);
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }


    private sealed class RecordingObserver : IImageTrainingObserver
    {
        public List<long> Steps { get; } = [];

        public List<long> Validations { get; } = [];

        public long? ResumedAt { get; private set; }

        public void DataLoaded(int trainingPhotos, int validationCrops, TimeSpan elapsed) => Assert.True(trainingPhotos > 0 && validationCrops > 0);

        public void Resumed(long step) => ResumedAt = step;

        public void Stepped(TrainingProgress progress, long totalSteps) => Steps.Add(progress.Step);

        public void Validated(long step, ValidationResult result, double psnr) => Validations.Add(step);
    }

    /// <summary>x̂ = w·x, one bit per example; once poisoned the loss is NaN.</summary>
    private sealed class PoisonedModel : nn.Module<Tensor, (Tensor Reconstruction, Tensor Bits)>
    {
        public PoisonedModel()
            : base(nameof(PoisonedModel))
        {
            Weight = nn.Parameter(ones(1));
            register_parameter("weight", Weight);
        }

        public Parameter Weight { get; }

        public bool Poisoned { get; set; }

        public override (Tensor Reconstruction, Tensor Bits) forward(Tensor input)
        {
            Tensor reconstruction = input.mul(Weight).Plus(1);
            Tensor bits = ones(input.shape[0]);
            return Poisoned ? (reconstruction.Times(double.NaN), bits) : (reconstruction, bits);
        }
    }
}
