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
        train.Subcommands.Add(TrainEntropyCommand.Create());
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
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder scripts/fetch-data.sh filled (with mnist/).", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training digits (the tutorial: 15).", DefaultValueFactory = _ => MnistTutorial.TutorialEpochs };
        var lambda = new Option<double>("--lambda") { Description = "λ in loss = bits + λ·MAE.", DefaultValueFactory = _ => MnistTutorial.TutorialLambda };
        var batch = new Option<int>("--batch") { Description = "Digits per batch.", DefaultValueFactory = _ => MnistTutorial.TutorialBatchSize };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, shuffling and noise.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: every processor).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the per-epoch log and the final figures as one JSON object." };
        var command = new Command("mnist", "Reproduce the TensorFlow Compression MNIST tutorial: train on the 60,000 MNIST training digits, validate on the 10,000 test digits every epoch (writing the model after each), then compress and decompress the test digits.")
        {
            output, data, epochs, lambda, batch, seed, threads, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            TextWriter stdout = result.InvocationConfiguration.Output;
            FileInfo outputFile = result.GetValue(output)!;
            int epochCount = result.GetValue(epochs);
            bool asJson = result.GetValue(json);
            if (epochCount < 1)
            {
                error.WriteLine("error: --epochs must be at least 1");
                return Task.FromResult(ExitCodes.UsageOrFile);
            }

            return Task.FromResult(RunTraining(error, stdout, result.GetValue(threads), cancellationToken, "bits", "MAE", (progress, token) =>
            {
                long total = (60_000 / result.GetValue(batch)) * (long)epochCount;
                var forward = new SyncProgress<TrainingProgress>(p => progress.Stepped(p, total));
                if (!asJson)
                {
                    progress.Line("per-epoch log (rates in bits/digit; validation on the 10,000 test digits, latents rounded):");
                    stdout.WriteLine(MnistTutorialReference.Header);
                }

                var epochLog = new SyncProgress<MnistEpoch>(e =>
                {
                    // Each epoch's model replaces the last, so a run stopped early (Ctrl-C) keeps what it reached.
                    AtomicFile.WriteAllBytes(outputFile.FullName, e.ModelFile);
                    if (!asJson)
                    {
                        progress.Line(string.Empty);
                        stdout.WriteLine(MnistTutorialReference.Line(e));
                        stdout.Flush();
                    }
                });
                MnistTutorialResult r = MnistTutorial.Run(result.GetValue(data)!.FullName, epochCount, forward, epochLog, result.GetValue(lambda), result.GetValue(batch), result.GetValue(seed), token);
                AtomicFile.WriteAllBytes(outputFile.FullName, r.ModelFile);
                MnistCompressionResult c = r.Compressed;
                if (asJson)
                {
                    using var buffer = new MemoryStream();
                    using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("lambda", result.GetValue(lambda));
                        writer.WriteNumber("steps", r.Steps);
                        writer.WriteNumber("wall_seconds", Math.Round(r.WallTime.TotalSeconds, 1));
                        writer.WriteStartArray("epochs");
                        foreach (MnistEpoch e in r.Epochs)
                        {
                            MnistTutorialReference.WriteJson(writer, e);
                        }

                        writer.WriteEndArray();
                        writer.WriteNumber("validation_rate", r.Validation.Rate);
                        writer.WriteNumber("validation_mae", r.Validation.Distortion);
                        writer.WriteNumber("compressed_digits", c.Count);
                        writer.WriteNumber("compressed_bits_per_digit", c.BitsPerDigit);
                        writer.WriteNumber("estimated_bits_per_digit", c.EstimatedBitsPerDigit);
                        writer.WriteNumber("decompressed_mae_8bit", c.Mae);
                        writer.WriteString("model", outputFile.FullName);
                        writer.WriteEndObject();
                    }

                    return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
                }

                return string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Steps} steps in {r.WallTime.TotalSeconds:F0} s ({r.StepsPerSecond:F1} steps/s, validation included)\nvalidation ({r.Validation.Count} test digits): rate {r.Validation.Rate:F2} bits/digit (likelihoods), MAE {r.Validation.Distortion:F4}\ncompressed: {c.BitsPerDigit:F2} bits/digit actual ({c.EstimatedBitsPerDigit:F2} estimated), MAE after decompression to 8 bits {c.Mae:F4}; {c.Count} digits in {c.CompressTime.TotalSeconds:F2} s / {c.DecompressTime.TotalSeconds:F2} s\nwrote {outputFile.FullName}");
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

    // Reports on the training thread, in order (System.Progress would post them to the thread pool).
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
