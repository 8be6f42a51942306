using Nic.Torch.Models;
using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>A tfc-mnist model trained for a few hundred steps on the 300 committed digits, shared by the tests that need trained weights.</summary>
public sealed class TrainedMnistFixture : IDisposable
{
    internal const int Steps = 400;
    internal const int BatchSize = 32;
    internal const int Seed = 7;

    public TrainedMnistFixture()
    {
        Digits = MnistTestData.LoadSubset();
        random.manual_seed(Seed);
        Model = new TfcMnistModel();
        Options = new RateDistortionTrainerOptions { Lambda = 2000, Seed = Seed };
        using var trainer = new RateDistortionTrainer(Model, new ShuffledBatches(Digits, BatchSize, Seed), Options);
        Before = trainer.Validate(Digits);
        FirstStep = trainer.Step();
        trainer.Train(Steps - 1);
        After = trainer.Validate(Digits);
        Model.eval();
    }

    internal Tensor Digits { get; }

    internal TfcMnistModel Model { get; }

    internal RateDistortionTrainerOptions Options { get; }

    internal ValidationResult Before { get; }

    internal TrainingProgress FirstStep { get; }

    internal ValidationResult After { get; }

    public void Dispose()
    {
        Model.Dispose();
        Digits.Dispose();
    }
}
