using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Nic.Cli.Bench;
using Nic.Codec.Models;
using Nic.Torch.Cli.Bench;

namespace Nic.Torch.Cli.Commands;

/// <summary><c>nic-torch bench train</c>: TorchSharp training speed, beside <c>nic</c>'s own benchmarks.</summary>
internal static class BenchTrainCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var architecture = ImageArchitectureOption.Create();
        var n = new Option<int>("--n") { Description = "N.", DefaultValueFactory = _ => 128 };
        var m = new Option<int>("--m") { Description = "M.", DefaultValueFactory = _ => 192 };
        var batch = new Option<int>("--batch") { Description = "Crops per batch.", DefaultValueFactory = _ => 8 };
        var crop = new Option<int>("--crop") { Description = "Crop side (a multiple of 64).", DefaultValueFactory = _ => 256 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Timed steps; the median is reported.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("train", "TorchSharp training speed of an image model: median seconds per optimizer step (forward, backward, both optimizers).")
        {
            json, architecture, n, m, batch, crop, warmup, steps, threads,
        };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            if (!ImageArchitectureOption.TryGet(result, architecture, error, out ModelArchitecture? arch))
            {
                return 1;
            }

            int cropSize = result.GetValue(crop);
            if (result.GetValue(steps) < 1 || result.GetValue(warmup) < 0 || result.GetValue(batch) < 1 || cropSize < 64 || cropSize % 64 != 0 || result.GetValue(threads) < 1)
            {
                error.WriteLine("error: --steps, --batch and --threads must be at least 1, --warmup at least 0, and --crop a positive multiple of 64");
                return 1;
            }

            Nic.Torch.TorchRuntime.EnsureLoaded();
            TrainingBenchmarkResult r = TrainingBenchmark.Run(arch.Kind, result.GetValue(n), result.GetValue(m), result.GetValue(batch), cropSize, result.GetValue(warmup), result.GetValue(steps), result.GetValue(threads), line => error.Write($"\r{line}      "));
            error.Write("\r" + new string(' ', 40) + "\r");
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(
                    new Dictionary<string, object>
                    {
                        ["benchmark"] = "train",
                        ["architecture"] = arch.Identifier,
                        ["n"] = r.N,
                        ["m"] = r.M,
                        ["batch_size"] = r.BatchSize,
                        ["crop_size"] = r.CropSize,
                        ["threads"] = r.Threads,
                        ["timed_steps"] = r.Steps,
                        ["median_step_s"] = BenchStatistics.Significant(r.MedianStepSeconds),
                        ["steps_per_s"] = BenchStatistics.Significant(r.StepsPerSecond),
                    },
                    new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{arch.Identifier} N={r.N} M={r.M}, batch {r.BatchSize} × {r.CropSize}×{r.CropSize}, {r.Threads} thread(s): median {r.MedianStepSeconds:F3} s per step = {r.StepsPerSecond:F2} steps/s ({r.Steps} timed steps)"));
            }

            return 0;
        });
        return command;
    }
}
