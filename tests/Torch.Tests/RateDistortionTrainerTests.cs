using Nic.Torch.Models;
using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class RateDistortionTrainerTests
{
    [Fact]
    public void ResumingFromACheckpointContinuesExactly()
    {
        using var scope = NewDisposeScope();
        using Tensor digits = MnistTestData.LoadSubset();
        var options = new RateDistortionTrainerOptions { Lambda = 2000, Seed = 11 };
        string path = Path.Combine(Path.GetTempPath(), $"nic-ckpt-{Guid.NewGuid():N}.bin");
        try
        {
            random.manual_seed(1);
            using var first = new TfcMnistModel(16);
            using var firstTrainer = new RateDistortionTrainer(first, new ShuffledBatches(digits, 16, 5), options);
            firstTrainer.Train(12);
            firstTrainer.SaveCheckpoint(path);
            float[][] saved = ParameterSnapshot.Of(first);
            firstTrainer.Train(8);

            random.manual_seed(2);
            using var second = new TfcMnistModel(16);
            using var secondTrainer = new RateDistortionTrainer(second, new ShuffledBatches(digits, 16, 5), options);
            Assert.NotEqual(saved[0], ParameterSnapshot.Of(second)[0]);
            secondTrainer.LoadCheckpoint(path);
            Assert.Equal(12, secondTrainer.StepCount);
            Assert.Equal(saved, ParameterSnapshot.Of(second));
            TrainingProgress last = secondTrainer.Train(8);
            Assert.Equal(20, last.Step);
            Assert.Equal(20, secondTrainer.StepCount);
            Assert.Equal(ParameterSnapshot.Of(first), ParameterSnapshot.Of(second));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ShuffledBatchesAreAFunctionOfSeedAndIndex()
    {
        using var scope = NewDisposeScope();
        using Tensor examples = TensorArithmetic.Arange(0, 10, ScalarType.Float32).reshape(10, 1);
        var a = new ShuffledBatches(examples, 3, 4);
        var b = new ShuffledBatches(examples, 3, 4);
        Assert.Equal(3, a.BatchesPerEpoch);
        float[] late = b.Batch(7).data<float>().ToArray();
        float[] epoch = [.. a.Batch(0).data<float>(), .. a.Batch(1).data<float>(), .. a.Batch(2).data<float>()];
        Assert.Equal(9, epoch.Distinct().Count());
        Assert.Equal(late, a.Batch(7).data<float>().ToArray());
        Assert.Equal(epoch, b.Batch(0).data<float>().ToArray().Concat(b.Batch(1).data<float>().ToArray()).Concat(b.Batch(2).data<float>().ToArray()));
    }

    [Fact]
    public void ProgressIsReportedAtTheInterval()
    {
        using var scope = NewDisposeScope();
        using Tensor digits = MnistTestData.LoadSubset();
        random.manual_seed(1);
        using var model = new TfcMnistModel(8);
        using var trainer = new RateDistortionTrainer(model, new ShuffledBatches(digits, 8, 1), new RateDistortionTrainerOptions { Lambda = 100 });
        var reports = new List<TrainingProgress>();
        trainer.Train(7, new ListProgress(reports), reportEvery: 3);
        Assert.Equal([3L, 6L, 7L], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(r.Rate + (100 * r.Distortion), r.Loss, 3));
        Assert.All(reports, r => Assert.True(r.StepsPerSecond > 0));
    }

    [Fact]
    public void DigitBytesLoadAsUnitFloats()
    {
        using var scope = NewDisposeScope();
        using Tensor digits = MnistTestData.LoadSubset();
        Assert.Equal(new long[] { 300, 1, 28, 28 }, digits.shape);
        Assert.Equal(0f, digits.min().item<float>());
        Assert.Equal(1f, digits.max().item<float>());
    }

    [Fact]
    public void ScaledMseIs255SquaredTimesMse()
    {
        using var scope = NewDisposeScope();
        using Tensor a = tensor(new float[] { 0f, 1f });
        using Tensor b = tensor(new float[] { 0.5f, 1f });
        Assert.Equal(255.0 * 255 * 0.125, DistortionMeasure.ScaledMeanSquaredError.Compute(a, b).item<float>(), 2);
        Assert.Equal(0.25, DistortionMeasure.MeanAbsoluteError.Compute(a, b).item<float>(), 6);
    }


    private sealed class ListProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
