using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Nic.Torch.Cli.Training;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch;
using Nic.Torch.Models;
using Nic.Torch.Training;
using Nic.Cli;
using Nic.Cli.Commands;

namespace Nic.Torch.Cli.Commands;

/// <summary><c>nic train image|mnist</c>: trains a model with TorchSharp and writes a model file.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var train = new Command("train", "Train a model with TorchSharp (CPU) and write a Nic model file.");
        train.Subcommands.Add(CreateImage());
        train.Subcommands.Add(CreateMnist());
        return train;
    }

    private static Command CreateImage()
    {
        var output = new Option<FileInfo>("--output", "-o") { Description = "The model file to write (written atomically at the end).", Required = true };
        var lambda = new Option<double>("--lambda") { Description = "λ in loss = bpp + λ·255²·MSE (CompressAI: 0.0018 … 0.18).", Required = true };
        var steps = new Option<long>("--steps") { Description = "The step count to train to (a resumed run counts earlier steps).", Required = true };
        var architecture = ImageArchitectureOption.Create();
        var n = new Option<int>("--n") { Description = "N, channels of the transforms.", DefaultValueFactory = _ => 128 };
        var m = new Option<int>("--m") { Description = "M, channels of the latent.", DefaultValueFactory = _ => 192 };
        var batch = new Option<int>("--batch") { Description = "Crops per batch.", DefaultValueFactory = _ => 8 };
        var crop = new Option<int>("--crop") { Description = "Crop side in pixels (a multiple of 64).", DefaultValueFactory = _ => 256 };
        var data = new Option<DirectoryInfo>("--data") { Description = "The photo folder with train/ and validation/ (scripts/fetch-data.sh).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("data", "photos")) };
        var factors = new Option<string>("--downscale") { Description = "Comma-separated downscale factors of the photos.", DefaultValueFactory = _ => "2,3,4" };
        var learningRate = new Option<double>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-4 };
        var milestones = new Option<string>("--lr-milestones") { Description = "Comma-separated steps at which the learning rate is divided by 10.", DefaultValueFactory = _ => string.Empty };
        var clip = new Option<double>("--clip") { Description = "Largest gradient norm; 0 for none.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, crops and noise.", DefaultValueFactory = _ => 1 };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "Checkpoint file: resumed from when present, rewritten regularly and on Ctrl-C." };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints.", DefaultValueFactory = _ => 250 };
        var validateEvery = new Option<int>("--validate-every") { Description = "Steps between validations.", DefaultValueFactory = _ => 1000 };
        var validationCrop = new Option<int>("--validation-crop") { Description = "Side of the validation centre crops.", DefaultValueFactory = _ => 256 };
        var initial = new Option<FileInfo?>("--init") { Description = "Start from this model file (fine-tuning) instead of fresh weights." };
        var name = new Option<string?>("--name") { Description = "The model's registry name (default: from the output file name)." };
        var ratePoint = new Option<int>("--rate-point") { Description = "The rate point recorded in the model file.", DefaultValueFactory = _ => 0 };
        var family = new Option<string?>("--family") { Description = "The model family recorded in the file: `nic encode --model FAMILY --quality RATE-POINT` picks among its members." };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: every processor).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var float16 = new Option<bool>("--float16") { Description = "Store the parameters as binary16 (half the size); the tables are built from the rounded values. The checkpoint keeps binary32." };
        var command = new Command("image", "Train an image model on random crops of the photo set, validating on the held-out photos.")
        {
            output, lambda, steps, architecture, n, m, batch, crop, data, factors, learningRate, milestones, clip, seed,
            checkpoint, checkpointEvery, validateEvery, validationCrop, initial, name, ratePoint, family, threads, float16,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            TextWriter stdout = result.InvocationConfiguration.Output;
            if (!ImageArchitectureOption.TryGet(result, architecture, error, out ModelArchitecture? arch))
            {
                return Task.FromResult(1);
            }

            if (!TryParseList(result.GetValue(factors)!, out int[] factorList) || factorList.Length == 0 || factorList.Any(f => f < 1)
                || !TryParseList(result.GetValue(milestones)!, out long[] milestoneList))
            {
                error.WriteLine("error: --downscale and --lr-milestones take comma-separated positive integers");
                return Task.FromResult(1);
            }

            FileInfo outputFile = result.GetValue(output)!;
            NicModelFile? initialModel = null;
            if (result.GetValue(initial) is { } initialFile)
            {
                try
                {
                    initialModel = NicModelFile.Load(initialFile.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Nic.Codec.NicCodecException)
                {
                    error.WriteLine($"error: cannot load {initialFile.FullName}: {e.Message}");
                    return Task.FromResult(2);
                }
            }

            foreach ((string what, string? value) in new[] { ("--name", result.GetValue(name)), ("--family", result.GetValue(family)) })
            {
                if (value is not null && !Nic.Format.NicModelId.IsValidName(value))
                {
                    error.WriteLine($"error: {what} '{value}' must be 1 to 64 characters from a-z 0-9 . _ -");
                    return Task.FromResult(1);
                }
            }

            var options = new ImageTrainingOptions
            {
                Architecture = arch.Kind,
                N = result.GetValue(n),
                M = result.GetValue(m),
                Lambda = result.GetValue(lambda),
                Steps = result.GetValue(steps),
                BatchSize = result.GetValue(batch),
                CropSize = result.GetValue(crop),
                PhotoDirectory = result.GetValue(data)!.FullName,
                DownscaleFactors = factorList,
                ValidationCropSize = result.GetValue(validationCrop),
                LearningRate = result.GetValue(learningRate),
                LearningRateMilestones = milestoneList,
                ClipGradientNorm = result.GetValue(clip) > 0 ? result.GetValue(clip) : null,
                Seed = result.GetValue(seed),
                CheckpointPath = result.GetValue(checkpoint)?.FullName,
                CheckpointEvery = Math.Max(1, result.GetValue(checkpointEvery)),
                ValidateEvery = Math.Max(1, result.GetValue(validateEvery)),
                InitialModel = initialModel,
                ModelName = result.GetValue(name) ?? DefaultName(outputFile),
                RatePoint = result.GetValue(ratePoint),
                Family = result.GetValue(family),
                Precision = result.GetValue(float16) ? ParameterPrecision.Float16 : ParameterPrecision.Float32,
            };
            return Task.FromResult(RunTraining(error, stdout, result.GetValue(threads), cancellationToken, "bpp", "255²·MSE", (progress, token) =>
            {
                ImageTrainingResult trained = ImageTraining.Run(options, progress, token);
                AtomicFile.WriteAllBytes(outputFile.FullName, trained.ModelFile);
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"wrote {outputFile.FullName} ({trained.ModelFile.Length / 1e6:F1} MB): {trained.Steps} steps at {trained.StepsPerSecond:F2} steps/s, validation {trained.Validation.Rate:F4} bpp at {trained.ValidationPsnr:F2} dB");
            }));
        });
        return command;
    }

    private static Command CreateMnist()
    {
        var output = new Option<FileInfo>("--output", "-o") { Description = "The model file to write.", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder scripts/fetch-data.sh filled (with digits/).", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var steps = new Option<long>("--steps") { Description = "Optimizer steps (15 epochs of 60,000 digits at batch 128 ≈ 7,000).", DefaultValueFactory = _ => 7000 };
        var lambda = new Option<double>("--lambda") { Description = "λ in loss = bits + λ·MAE.", DefaultValueFactory = _ => MnistTutorial.TutorialLambda };
        var batch = new Option<int>("--batch") { Description = "Digits per batch.", DefaultValueFactory = _ => MnistTutorial.TutorialBatchSize };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, shuffling and noise.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: every processor).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("mnist", "Reproduce the TensorFlow Compression MNIST tutorial: train, then compress and decompress the held-out digits.")
        {
            output, data, steps, lambda, batch, seed, threads,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            TextWriter stdout = result.InvocationConfiguration.Output;
            FileInfo outputFile = result.GetValue(output)!;
            long total = result.GetValue(steps);
            return Task.FromResult(RunTraining(error, stdout, result.GetValue(threads), cancellationToken, "bits", "MAE", (progress, token) =>
            {
                var forward = new Progress(p => progress.Stepped(p, total));
                MnistTutorialResult r = MnistTutorial.Run(result.GetValue(data)!.FullName, total, forward, result.GetValue(lambda), result.GetValue(batch), result.GetValue(seed), token);
                AtomicFile.WriteAllBytes(outputFile.FullName, r.ModelFile);
                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Steps} steps in {r.WallTime.TotalSeconds:F0} s ({r.StepsPerSecond:F1} steps/s)\nvalidation ({r.Validation.Count} held-out digits): rate {r.Validation.Rate:F2} bits/digit (likelihoods), MAE {r.Validation.Distortion:F4}\ncompressed: {r.CompressedBitsPerDigit:F2} bits/digit actual, MAE after decompression {r.DecompressedMae:F4}\nwrote {outputFile.FullName}");
            }));
        });
        return command;
    }

    private static int RunTraining(TextWriter error, TextWriter output, int threads, CancellationToken cancellationToken, string rateUnit, string distortion, Func<ProgressBar, CancellationToken, string> run)
    {
        if (threads < 1)
        {
            error.WriteLine("error: --threads must be at least 1");
            return ExitCodes.UsageOrFile;
        }

        // Ctrl-C (SIGINT) and SIGTERM stop training between steps; the run writes its checkpoint and exits with 130.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        cancellationToken = stop.Token;
        try
        {
            TorchRuntime.EnsureLoaded();
            TorchSharp.torch.set_num_threads(threads);
            var progress = new ProgressBar(error, interactive: !Console.IsErrorRedirected && error == Console.Error, rateUnit, distortion);
            output.WriteLine(run(progress, cancellationToken));
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            error.WriteLine();
            error.WriteLine("cancelled; the checkpoint (if any) holds the progress");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or TrainingDivergedException or InvalidOperationException)
        {
            error.WriteLine();
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidData;
        }
    }

    private static string DefaultName(FileInfo file)
    {
        string stem = Path.GetFileNameWithoutExtension(file.Name).ToLowerInvariant();
        string name = new(stem.Select(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        return name.Length is > 0 and <= 64 ? name : "nic-model";
    }

    private static bool TryParseList<T>(string text, out T[] values)
        where T : IParsable<T>
    {
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        values = new T[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!T.TryParse(parts[i], CultureInfo.InvariantCulture, out values[i]!))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
