using System.CommandLine;
using Nic.Cli.Json;
using System.Globalization;
using System.Text;
using Nic.Cli.Bench;
using Nic.Cli.Eval;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic eval DIR [--json] [--plot rd.png]</c>: bpp and RGB PSNR of every image at every rate point of the Nic model
/// families and every quality of the classical codecs installed, the BD-rate of each family against each classical
/// codec, and a rate–distortion plot.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TransformBackends backends)
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "A folder of images (PNG, JPEG, PPM…), e.g. data/photos/validation." };
        var families = new Option<string[]>("--model") { Description = "A model family (or model) to evaluate; may be repeated (default: every family in the catalog).", DefaultValueFactory = _ => [] };
        var codecs = new Option<string>("--codecs")
        {
            Description = $"Comma-separated classical codecs ({string.Join(", ", ClassicalCodecs.All.Select(c => c.Name))}), 'all' for those installed, or 'none'.",
            DefaultValueFactory = _ => "all",
        };
        var downscale = new Option<int>("--downscale") { Description = "Box-downscale every image by this factor first (the training photos are downscaled 2–4×).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Write the rate–distortion plot (mean PSNR against mean bpp) to this PNG." };
        var plotMaxBpp = new Option<double?>("--plot-max-bpp")
        {
            Description = "End the plot's rate axis here (curves are cut where they cross it). Default: twice the highest rate of the Nic models, so that the classical codecs' highest qualities do not squeeze them; 0 for the whole range.",
        };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("eval", "Rate–distortion of the Nic models and the classical codecs on a folder of images, with BD-rates and a plot.")
        {
            directory, families, codecs, downscale, json, plot, plotMaxBpp,
        };
        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                if (result.GetValue(downscale) < 1)
                {
                    throw new ArgumentException("--downscale must be at least 1");
                }

                if (result.GetValue(plotMaxBpp) is double cut && (!double.IsFinite(cut) || cut < 0))
                {
                    throw new ArgumentException("--plot-max-bpp must be 0 (the whole range) or a positive number of bits per pixel");
                }

                NicCodec codec = shared.CreateCodec(result);
                IReadOnlyList<ClassicalCodec> classical = SelectCodecs(result.GetValue(codecs)!, error);
                string[] requested = result.GetValue(families) ?? [];
                IReadOnlyList<string> familyNames = requested.Length > 0
                    ? [.. requested.Select(f => codec.Catalog.Find(f).Family).Distinct()]
                    : [.. codec.Catalog.Models.Select(m => m.Family).Distinct()];
                IReadOnlyList<EvalImage> images = EvalImage.LoadDirectory(result.GetValue(directory)!.FullName, result.GetValue(downscale));
                if (images.Count == 0)
                {
                    throw new ArgumentException($"no images ({string.Join(", ", EvalImage.Extensions)}) in {result.GetValue(directory)!.FullName}");
                }

                var progress = new ProgressLine(error, "eval");
                IReadOnlyList<RdCurve> curves = await RdEvaluation.RunAsync(codec, images, familyNames, classical, progress.Status, cancellationToken);
                progress.Finish();
                IReadOnlyList<(string Test, string Anchor, double? Percent)> bdRates = RdEvaluation.BdRates(curves);
                if (result.GetValue(plot) is FileInfo plotFile)
                {
                    double? maxBpp = PlotRateLimit(curves, result.GetValue(plotMaxBpp));
                    RdPlot.Save(
                        plotFile.FullName,
                        maxBpp is double m ? $"RGB PSNR vs bpp (to {m:0.###}), {images.Count} image(s)" : $"RGB PSNR vs bpp, {images.Count} image(s)",
                        [.. curves.Select(c => new RdSeries(c.Kind == "nic" ? "nic " + c.Name : c.Name, c.MeanPoints))],
                        maxBpp);
                }

                output.Write(result.GetValue(json) ? FormatJson(images, curves, bdRates) : FormatText(images, curves, bdRates, result.GetValue(plot)?.FullName));
                return ExitCodes.Success;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException or ExternalToolException or InvalidDataException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    /// <summary>
    /// Where the plot's rate axis ends: <paramref name="requested"/> when given (0: nowhere), otherwise twice the highest
    /// mean rate of the Nic curves, when some curve goes beyond that; null for the whole range.
    /// </summary>
    internal static double? PlotRateLimit(IReadOnlyList<RdCurve> curves, double? requested)
    {
        if (requested is double r)
        {
            return r > 0 ? r : null;
        }

        double[] nic = [.. curves.Where(c => c.Kind == "nic").SelectMany(c => c.MeanPoints).Where(p => p.IsFinite).Select(p => p.Bpp)];
        if (nic.Length == 0)
        {
            return null;
        }

        double limit = 2 * nic.Max();
        return curves.SelectMany(c => c.MeanPoints).Any(p => p.IsFinite && p.Bpp > limit) ? limit : null;
    }

    private static IReadOnlyList<ClassicalCodec> SelectCodecs(string value, TextWriter error)
    {
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        if (value.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            foreach (ClassicalCodec missing in ClassicalCodecs.All.Where(c => !c.IsAvailable))
            {
                error.WriteLine($"note: {missing.Name} skipped: {missing.EncoderTool}/{missing.DecoderTool} not installed");
            }

            return [.. ClassicalCodecs.All.Where(c => c.IsAvailable)];
        }

        var selected = new List<ClassicalCodec>();
        foreach (string name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ClassicalCodec codec = ClassicalCodecs.Find(name) ?? throw new ArgumentException($"unknown codec '{name}'; known: {string.Join(", ", ClassicalCodecs.All.Select(c => c.Name))}");
            if (!codec.IsAvailable)
            {
                throw new ArgumentException($"{codec.Name} needs {codec.EncoderTool} and {codec.DecoderTool}, which are not installed");
            }

            selected.Add(codec);
        }

        return selected;
    }

    private static string FormatText(IReadOnlyList<EvalImage> images, IReadOnlyList<RdCurve> curves, IReadOnlyList<(string Test, string Anchor, double? Percent)> bdRates, string? plot)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nic eval — {images.Count} image(s): {string.Join(", ", images.Select(i => $"{i.Name} {i.Image.Width}×{i.Image.Height}"))}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{"codec",-32} {"q",4} {"mean bpp",9} {"mean PSNR",9}  {"encode s",8}\n");
        foreach (RdCurve curve in curves)
        {
            foreach (RdCurvePoint point in curve.Points)
            {
                RdPoint mean = point.Mean;
                text.Append(CultureInfo.InvariantCulture, $"{(curve.Kind == "nic" ? point.Model : curve.Name),-32} {point.Quality,4} {mean.Bpp,9:F4} {mean.PsnrDb,9:F2}  {point.Images.Average(m => m.EncodeSeconds),8:F3}\n");
            }
        }

        if (bdRates.Count > 0)
        {
            text.Append("\nBD-rate (negative: fewer bits than the anchor at equal PSNR)\n");
            foreach ((string test, string anchor, double? percent) in bdRates)
            {
                string missing = curves.First(c => c.Name == test && c.Kind == "nic").Points.Count < 2 ? "n/a (needs 2 or more rate points)" : "n/a (no overlapping PSNR range)";
                text.Append(CultureInfo.InvariantCulture, $"{test,-32} vs {anchor,-6} {(percent is double p ? p.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %" : missing)}\n");
            }
        }

        if (plot is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nplot: {plot}\n");
        }

        return text.ToString();
    }

    private static string FormatJson(IReadOnlyList<EvalImage> images, IReadOnlyList<RdCurve> curves, IReadOnlyList<(string Test, string Anchor, double? Percent)> bdRates) => NicJsonContext.Format(
        new EvalJson(
            [.. images.Select(image => new EvalImageJson(image.Name, image.Image.Width, image.Image.Height))],
            [.. curves.Select(curve => new EvalCurveJson(
                curve.Name,
                curve.Kind,
                [.. curve.Points.Select(point => new EvalPointJson(
                    curve.Kind == "nic" ? point.Quality : null,
                    curve.Kind == "nic" ? null : point.Quality,
                    point.Model,
                    Math.Round(point.Mean.Bpp, 5),
                    Math.Round(point.Mean.PsnrDb, 3),
                    [.. point.Images.Select(m => new EvalMeasurementJson(
                        m.Image,
                        m.Bytes,
                        Math.Round(m.Bpp, 5),
                        Math.Round(m.PsnrDb, 3),
                        BenchStatistics.Significant(m.EncodeSeconds),
                        double.IsFinite(m.DecodeSeconds) ? BenchStatistics.Significant(m.DecodeSeconds) : null))]))]))],
            [.. bdRates.Select(b => new EvalBdRateJson(b.Test, b.Anchor, b.Percent is double p ? Math.Round(p, 2) : null))]),
        NicJsonContext.Default.EvalJson);
}
