using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Nic.Cli.Bench;
using Nic.Cli.Commands;
using Nic.Cli.Eval;
using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Codec.Imaging;
using Nic.Torch.Cli.Bench;

namespace Nic.Torch.Cli.Commands;

/// <summary><c>nic-torch bench effort</c>: what the encoder effort costs in time against the default encode, in one run.</summary>
internal static class BenchEffortCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "The image (PNG, JPEG, PPM…)." };
        var model = new Option<string>("--model") { Description = "The model or family (a family codes at its default rate point).", DefaultValueFactory = _ => "nic-mbt2018-mean" };
        var crop = new Option<int?>("--crop") { Description = "Use only the centre N×N pixels (as eval --crop)." };
        var efforts = new Option<string>("--efforts") { Description = "Comma-separated efforts (2 … 9) beside effort 1.", DefaultValueFactory = _ => "2,3,4" };
        var runs = new Option<int>("--runs") { Description = "Timed encodes per effort after one untimed; the median is reported.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command(
            "effort",
            "Encoder effort on one image, side by side in one process: median encode seconds of effort 1 and of each effort (libtorch's latent search), their ratio, the seconds per search iteration, and the bpp, PSNR and rate + λ·distortion each coded.\n\nExample:\n  nic-torch bench effort data/photos/textured/opencv-chicky_512.png --crop 256 --efforts 2,3,4 --json")
        {
            image, model, crop, efforts, runs, json,
        };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            int[] effortList;
            try
            {
                effortList = [.. result.GetValue(efforts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(e => int.Parse(e, CultureInfo.InvariantCulture))];
            }
            catch (FormatException)
            {
                error.WriteLine("error: --efforts takes comma-separated integers, e.g. 2,3,4");
                return 1;
            }

            if (effortList.Length == 0 || effortList.Any(e => e <= NicEncodeOptions.MinEffort || e > NicEncodeOptions.MaxEffort) || result.GetValue(runs) < 1 || result.GetValue(crop) is < 16)
            {
                error.WriteLine($"error: --efforts must be {NicEncodeOptions.MinEffort + 1} … {NicEncodeOptions.MaxEffort}, --runs at least 1, --crop at least 16");
                return 1;
            }

            EffortBenchmarkResult r;
            try
            {
                RgbImage picture = EvalImage.CentreCrop(ImageFiles.Read(result.GetValue(image)!), result.GetValue(crop));
                TorchRuntime.EnsureLoaded();
                r = EffortBenchmark.Run(picture, result.GetValue(model)!, effortList, result.GetValue(runs), line => error.Write($"\r{line}      "));
            }
            catch (Exception e) when (CommandErrors.IsReported(e))
            {
                return CommandErrors.Report(e, error);
            }
            finally
            {
                error.Write("\r" + new string(' ', 40) + "\r"); // the progress line
            }

            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(
                    new Dictionary<string, object>
                    {
                        ["benchmark"] = "effort",
                        ["model"] = r.Model,
                        ["width"] = r.Width,
                        ["height"] = r.Height,
                        ["runs"] = r.Runs,
                        ["torch_threads"] = r.Threads,
                        ["lambda"] = r.Lambda,
                        ["synthesis_precision"] = PrecisionName(r.SynthesisPrecision),
                        ["efforts"] = r.Rows.Select(row => new Dictionary<string, object>
                        {
                            ["effort"] = row.Effort,
                            ["iterations"] = row.Iterations,
                            ["median_s"] = BenchStatistics.Significant(row.MedianSeconds),
                            ["time_ratio"] = BenchStatistics.Significant(row.TimeRatio),
                            ["s_per_iteration"] = BenchStatistics.Significant(row.SecondsPerIteration),
                            ["bpp"] = BenchStatistics.Significant(row.BitsPerPixel, 6),
                            ["psnr_db"] = BenchStatistics.Significant(row.Psnr, 6),
                            ["cost"] = BenchStatistics.Significant(row.Cost, 6),
                            ["cost_change"] = BenchStatistics.Significant(row.CostChange),
                        }).ToArray(),
                    },
                    new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Model}, {r.Width}×{r.Height}, λ {r.Lambda}, median of {r.Runs} encodes, libtorch {r.Threads} thread(s), the search's g_s in {PrecisionName(r.SynthesisPrecision)}:"));
            foreach (EffortBenchmarkRow row in r.Rows)
            {
                string search = row.Iterations == 0
                    ? "default encode                      "
                    : string.Create(CultureInfo.InvariantCulture, $"{row.Iterations,3} passes of g_s, {row.SecondsPerIteration * 1000,6:F1} ms each");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  effort {row.Effort} ({search}) {row.MedianSeconds,8:F3} s  {row.TimeRatio,6:F1}×  {row.BitsPerPixel:F4} bpp  {row.Psnr:F2} dB  cost {row.Cost:F5} ({row.CostChange * 100:+0.00;-0.00;0.00} %)"));
            }
            return 0;
        });
        return command;
    }

    /// <summary>The number type's name as the JSON and the result line give it (bfloat16, float32).</summary>
    private static string PrecisionName(TorchSharp.torch.ScalarType type) => type.ToString().ToLowerInvariant();
}
