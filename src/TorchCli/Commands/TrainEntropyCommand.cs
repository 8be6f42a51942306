using System.CommandLine;
using System.Globalization;
using Nic.Torch.Models;
using Nic.Torch.Training;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// <c>nic-torch train entropy</c>: trains the channel-conditional context model of <c>mbt2018-mean-cc</c> on the frozen
/// latents of a mean-scale family (spec/nic-coding.md §10.3), printing each validation's saving on both splits.
/// </summary>
internal static class TrainEntropyCommand
{
    public static Command Create()
    {
        var baseFamily = new Option<FileInfo>("--base") { Description = "The mean-scale family whose frozen transforms make the latents.", DefaultValueFactory = _ => new FileInfo(Path.Combine("models", "nic-mbt2018-mean.nicm")) };
        var data = new Option<DirectoryInfo>("--data") { Description = "The photo folder with train/, validation/ and textured/ (scripts/fetch-data.sh).", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("data", "photos")) };
        var latents = new Option<string>("--latents") { Description = "Prefix of the latent cache files (made once, then reused).", Required = true };
        var slices = new Option<int>("--slices") { Description = "S: slices of y.", DefaultValueFactory = _ => 4 };
        var hidden = new Option<int>("--hidden") { Description = "H: hidden channels of each slice's network.", DefaultValueFactory = _ => 64 };
        var kernel = new Option<int>("--kernel") { Description = "K: kernel of the networks' first and last layers.", DefaultValueFactory = _ => 3 };
        var distribution = new Option<ConditionalDistribution>("--distribution") { Description = "The distribution of the tables: Gaussian or Logistic.", DefaultValueFactory = _ => ConditionalDistribution.Gaussian };
        var checkerboard = new Option<bool>("--checkerboard") { Description = "Code each slice in two passes, anchors first, the rest with the anchors as spatial context." };
        var factors = new Option<string>("--downscale") { Description = "Comma-separated downscale factors of the training photos.", DefaultValueFactory = _ => "2,3,4" };
        var crops = new Option<int>("--crops") { Description = "Training crops of 256×512 pixels.", DefaultValueFactory = _ => 640 };
        var steps = new Option<long>("--steps") { Description = "The step count to train to (a resumed run counts earlier steps).", DefaultValueFactory = _ => 4000 };
        var batch = new Option<int>("--batch") { Description = "Bands per step.", DefaultValueFactory = _ => 32 };
        var learningRate = new Option<double>("--lr") { Description = "Adam's learning rate (divided by 10 for the last fifth).", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the crops, weights and batches.", DefaultValueFactory = _ => 1 };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "Checkpoint: resumed from when present, rewritten at each validation." };
        var validateEvery = new Option<int>("--validate-every") { Description = "Steps between validations and checkpoints.", DefaultValueFactory = _ => 500 };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "The mbt2018-mean-cc family file to write at the end (the base family's points with the trained context; written atomically)." };
        var familyName = new Option<string>("--family") { Description = "The new family's registry name.", DefaultValueFactory = _ => "nic-mbt2018-mean-cc" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("entropy", "Train the channel-conditional entropy model of mbt2018-mean-cc on a mean-scale family's frozen latents.")
        {
            baseFamily, data, latents, slices, hidden, kernel, distribution, checkerboard, factors, crops, steps, batch, learningRate, seed, checkpoint, validateEvery, output, familyName, threads,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter stdout = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            TorchRuntime.EnsureLoaded();
            TorchSharp.torch.set_num_threads(Math.Max(1, result.GetValue(threads)));
            var options = new ContextTrainingOptions
            {
                BaseFamilyPath = result.GetValue(baseFamily)!.FullName,
                PhotoDirectory = result.GetValue(data)!.FullName,
                LatentCachePrefix = result.GetValue(latents)!,
                Slices = result.GetValue(slices),
                Hidden = result.GetValue(hidden),
                Kernel = result.GetValue(kernel),
                Distribution = result.GetValue(distribution),
                Checkerboard = result.GetValue(checkerboard),
                DownscaleFactors = result.GetValue(factors)!.Split(',').Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToArray(),
                Crops = result.GetValue(crops),
                Steps = result.GetValue(steps),
                BatchSize = result.GetValue(batch),
                LearningRate = result.GetValue(learningRate),
                Seed = result.GetValue(seed),
                CheckpointPath = result.GetValue(checkpoint)?.FullName,
                ValidateEvery = Math.Max(1, result.GetValue(validateEvery)),
            };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                string family = result.GetValue(familyName)!;
                if (!Nic.Format.NicModelId.IsValidName(family))
                {
                    error.WriteLine($"error: --family '{family}' must be 1 to 64 characters from a-z 0-9 . _ -");
                    return Task.FromResult(1);
                }

                (ChannelContextModel model, ContextValidation last) = ContextModelTraining.Run(
                    options,
                    line => error.WriteLine(line),
                    v => stdout.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"step {v.Step} ({clock.Elapsed.TotalSeconds:F0} s): train {v.TrainingBits:F4} bits/element; validation {v.Saving("validation"):P2} fewer bits ({v.Splits["validation"].Context / 8e3:F1} kB vs {v.Splits["validation"].Baseline / 8e3:F1}), textured {v.Saving("textured"):P2} ({v.Splits["textured"].Context / 8e3:F1} kB vs {v.Splits["textured"].Baseline / 8e3:F1})")),
                    cancellationToken);
                using (model)
                {
                    if (result.GetValue(output) is { } file)
                    {
                        string summary = System.Text.Json.JsonSerializer.Serialize(new
                        {
                            command = "nic-torch train entropy",
                            steps = last.Step,
                            slices = options.Slices,
                            hidden = options.Hidden,
                            kernel = options.Kernel,
                            checkerboard = options.Checkerboard,
                            distribution = options.Distribution.ToString().ToLowerInvariant(),
                            crops = options.Crops,
                            downscale = options.DownscaleFactors,
                            seconds_this_run = Math.Round(clock.Elapsed.TotalSeconds),
                            validation_saving = Math.Round(last.Saving("validation"), 5),
                            textured_saving = Math.Round(last.Saving("textured"), 5),
                        });
                        byte[] bytes = ContextModelExport.BuildFamily(Nic.Codec.Models.NicModelFamily.Load(options.BaseFamilyPath), model, family, summary);
                        Nic.Format.AtomicFile.WriteAllBytes(file.FullName, bytes);
                        stdout.WriteLine($"wrote {file.FullName} ({bytes.Length / 1e6:F1} MB)");
                    }
                }

                return Task.FromResult(0);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or Nic.Codec.NicCodecException)
            {
                error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return command;
    }
}
