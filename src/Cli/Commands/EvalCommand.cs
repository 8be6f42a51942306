using System.CommandLine;
using Nic.Cli.Json;
using System.Globalization;
using System.Text;
using Nic.Cli.Bench;
using Nic.Cli.Eval;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic eval DIR... | --splits validation,textured [--json] [--plot rd.png]</c>: per split (a folder of images), bpp and
/// RGB PSNR of every image at every rate point of the Nic model families and every quality of the classical codecs
/// installed, the BD-rate of each family against each classical codec, and a rate–distortion plot.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TransformBackends backends)
    {
        var directories = new Argument<DirectoryInfo[]>("DIR")
        {
            Description = "Folders of images (PNG, JPEG, PPM…), each evaluated as a split named by the folder, e.g. data/photos/validation. Or give --splits.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var splits = new Option<string?>("--splits")
        {
            Description = $"The standard validation splits (docs/data.md) under --data, each at its own downscale: {string.Join(", ", EvalSplit.Standard.Select(s => $"{s.Name} ({s.Downscale}×)"))}; comma-separated, or 'all'. Instead of DIR.",
        };
        var dataDirectory = new Option<DirectoryInfo>("--data")
        {
            Description = "Where scripts/fetch-data.sh put the photographs (the standard splits are folders of it).",
            DefaultValueFactory = _ => new DirectoryInfo(EvalSplit.DefaultDataDirectory),
        };
        var families = new Option<string[]>("--model") { Description = "A model family (or model) to evaluate; may be repeated (default: every family in the catalog).", DefaultValueFactory = _ => [] };
        var codecs = new Option<string>("--codecs")
        {
            Description = $"Comma-separated classical codecs ({string.Join(", ", ClassicalCodecs.All.Select(c => c.Name))}), 'all' for those installed, or 'none'.",
            DefaultValueFactory = _ => "all",
        };
        var downscale = new Option<int>("--downscale") { Description = "Box-downscale every image of the DIR folders by this factor first (the training photos are downscaled 2–4×). The standard splits carry their own.", DefaultValueFactory = _ => 1 };
        var qualities = new Option<double[]>("--qualities")
        {
            Description = "Evaluate each Nic family at these qualities (0–100, comma-separated; a variable-rate family interpolates between its trained points) instead of at its trained points.",
            DefaultValueFactory = _ => [],
            CustomParser = parsed => [.. parsed.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))],
        };
        var efforts = new Option<int[]>("--effort")
        {
            Description = $"Encoder efforts to evaluate each family at ({NicEncodeOptions.MinEffort} … {NicEncodeOptions.MaxEffort}); may be repeated; each effort is a curve, with its BD-rate against the lowest. Above 1 in nic-torch only.",
            DefaultValueFactory = _ => [NicEncodeOptions.MinEffort],
            AllowMultipleArgumentsPerToken = true,
        };
        var crop = new Option<int?>("--crop")
        {
            Description = "Evaluate only the centre N×N pixels of every image (after its downscale): a quick estimate of settings too slow for whole photos, such as high efforts. The output names the crop.",
        };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON, one entry per split." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Write the rate–distortion plot (mean PSNR against mean bpp) to this PNG; with several splits, one per split, named rd-SPLIT.png for rd.png." };
        var plotMaxBpp = new Option<double?>("--plot-max-bpp")
        {
            Description = "End the plot's rate axis here (curves are cut where they cross it). Default: twice the highest rate of the Nic models, so that the classical codecs' highest qualities do not squeeze them; 0 for the whole range.",
        };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("eval", "Rate–distortion of the Nic models and the classical codecs on one or more splits (folders of images), with BD-rates and a plot per split.")
        {
            directories, splits, dataDirectory, families, qualities, codecs, downscale, crop, efforts, json, plot, plotMaxBpp,
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

                if (result.GetValue(crop) is int side && side < 16)
                {
                    throw new ArgumentException("--crop must be at least 16 pixels");
                }

                if (result.GetValue(plotMaxBpp) is double cut && (!double.IsFinite(cut) || cut < 0))
                {
                    throw new ArgumentException("--plot-max-bpp must be 0 (the whole range) or a positive number of bits per pixel");
                }

                IReadOnlyList<EvalSplit> selected = SelectSplits(
                    result.GetValue(directories) ?? [],
                    result.GetValue(splits),
                    result.GetValue(dataDirectory)!.FullName,
                    result.GetValue(downscale),
                    downscaleGiven: result.GetResult(downscale) is { Implicit: false },
                    dataGiven: result.GetResult(dataDirectory) is { Implicit: false });
                int[] effortList = [.. (result.GetValue(efforts) is { Length: > 0 } e ? e : [NicEncodeOptions.MinEffort]).Distinct().Order()];
                NicCodec codec = shared.CreateCodec(result, effort: effortList.FirstOrDefault(e => e is < NicEncodeOptions.MinEffort or > NicEncodeOptions.MaxEffort, effortList[^1]));
                IReadOnlyList<ClassicalCodec> classical = SelectCodecs(result.GetValue(codecs)!, error);
                double[] qualityList = result.GetValue(qualities) ?? [];
                if (qualityList.Any(q => !(q >= 0 && q <= 100)))
                {
                    throw new ArgumentException("--qualities are numbers from 0 to 100");
                }

                string[] requested = result.GetValue(families) ?? [];
                IReadOnlyList<string> familyNames = requested.Length > 0
                    ? [.. requested.Select(f => codec.Catalog.Find(f).Family).Distinct()]
                    : [.. codec.Catalog.Models.Select(m => m.Family).Distinct()];

                // Every split's images are read before any coding starts, so that a missing folder or a bad file fails
                // at once rather than after the first split's hours.
                var loaded = new List<(EvalSplit Split, IReadOnlyList<EvalImage> Images)>();
                foreach (EvalSplit split in selected)
                {
                    if (!Directory.Exists(split.Directory))
                    {
                        throw new DirectoryNotFoundException(result.GetValue(splits) is null
                            ? $"no folder {split.Directory}"
                            : $"no folder {split.Directory} for the {split.Name} split (run scripts/fetch-data.sh, or point --data at its output)");
                    }

                    IReadOnlyList<EvalImage> images = EvalImage.LoadDirectory(split.Directory, split.Downscale, result.GetValue(crop));
                    if (images.Count == 0)
                    {
                        throw new ArgumentException($"no images ({string.Join(", ", EvalImage.Extensions)}) in {split.Directory}");
                    }

                    loaded.Add((split, images));
                }

                var progress = new ProgressLine(error, "eval");
                var results = new List<SplitResult>();
                foreach ((EvalSplit split, IReadOnlyList<EvalImage> images) in loaded)
                {
                    IReadOnlyList<RdCurve> curves = await RdEvaluation.RunAsync(
                        codec, images, familyNames, qualityList, classical, status => progress.Status($"{split.Name}: {status}"), cancellationToken, effortList);
                    string? plotPath = null;
                    if (result.GetValue(plot) is FileInfo plotFile)
                    {
                        plotPath = split.PlotPath(plotFile.FullName, loaded.Count);
                        double? maxBpp = PlotRateLimit(curves, result.GetValue(plotMaxBpp));
                        RdPlot.Save(
                            plotPath,
                            maxBpp is double m ? $"RGB PSNR vs bpp (to {m:0.###}), {split.Name}{CropLabel(result.GetValue(crop))}: {images.Count} image(s)" : $"RGB PSNR vs bpp, {split.Name}{CropLabel(result.GetValue(crop))}: {images.Count} image(s)",
                            [.. curves.Select(c => new RdSeries(c.Kind == "nic" ? "nic " + c.Name : c.Name, c.MeanPoints))],
                            maxBpp);
                    }

                    results.Add(new SplitResult(split, result.GetValue(crop), images, curves, RdEvaluation.BdRates(curves), plotPath));
                }

                progress.Finish();
                output.Write(result.GetValue(json) ? FormatJson(results) : FormatText(results));
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
    /// The splits to evaluate: one per folder given, or the standard splits named by <c>--splits</c> under the data
    /// directory (each at its own downscale); exactly one of the two.
    /// </summary>
    internal static IReadOnlyList<EvalSplit> SelectSplits(IReadOnlyList<DirectoryInfo> directories, string? standard, string dataDirectory, int downscale, bool downscaleGiven, bool dataGiven)
    {
        if (standard is null)
        {
            if (directories.Count == 0)
            {
                throw new ArgumentException($"give one or more folders of images, or --splits {string.Join(",", EvalSplit.Standard.Select(s => s.Name))}");
            }

            if (dataGiven)
            {
                throw new ArgumentException("--data is where --splits finds the standard splits; with folders it has no use");
            }

            return EvalSplit.FromDirectories(directories.Select(d => d.FullName), downscale);
        }

        if (directories.Count > 0)
        {
            throw new ArgumentException("give either folders or --splits, not both");
        }

        if (downscaleGiven)
        {
            throw new ArgumentException($"the standard splits carry their own downscale ({string.Join(", ", EvalSplit.Standard.Select(s => $"{s.Name} {s.Downscale}×"))}); --downscale applies to folders only");
        }

        return EvalSplit.ParseStandard(standard, dataDirectory);
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

    private static string CropLabel(int? crop) => crop is int c ? $" (centre {c}×{c} crops)" : string.Empty;

    private static string FormatText(IReadOnlyList<SplitResult> results)
    {
        var text = new StringBuilder();
        foreach (SplitResult split in results)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            IReadOnlyList<EvalImage> images = split.Images;
            text.Append(CultureInfo.InvariantCulture, $"nic eval — split {split.Split.Name} ({split.Split.Directory}{(split.Split.Downscale > 1 ? $", downscaled {split.Split.Downscale}×" : "")}{(split.Crop is int c ? $", centre {c}×{c} crops" : string.Empty)}), {images.Count} image(s): {string.Join(", ", images.Select(i => $"{i.Name} {i.Image.Width}×{i.Image.Height}"))}\n\n");
            double megapixels = images.Sum(i => (double)i.Image.PixelCount) / 1e6;
            text.Append(CultureInfo.InvariantCulture, $"{"codec",-32} {"q",4} {"mean bpp",9} {"mean PSNR",9}  {"encode s",8} {"enc s/MP",8}\n");
            foreach (RdCurve curve in split.Curves)
            {
                foreach (RdCurvePoint point in curve.Points)
                {
                    RdPoint mean = point.Mean;
                    text.Append(CultureInfo.InvariantCulture, $"{(curve.Kind == "nic" ? point.Model + (curve.Effort > NicEncodeOptions.MinEffort ? $" e{curve.Effort}" : "") : curve.Name),-32} {point.Quality,4} {mean.Bpp,9:F4} {mean.PsnrDb,9:F2}  {point.Images.Average(m => m.EncodeSeconds),8:F3} {point.Images.Sum(m => m.EncodeSeconds) / megapixels,8:F3}\n");
                }
            }

            if (split.BdRates.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"\nBD-rate on {split.Split.Name} (negative: fewer bits than the anchor at equal PSNR)\n");
                foreach ((string test, string anchor, double? percent) in split.BdRates)
                {
                    string missing = split.Curves.First(c => c.Name == test && c.Kind == "nic").Points.Count < 2 ? "n/a (needs 2 or more rate points)" : "n/a (no overlapping PSNR range)";
                    text.Append(CultureInfo.InvariantCulture, $"{test,-32} vs {anchor,-6} {(percent is double p ? p.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %" : missing)}\n");
                }
            }

            if (split.PlotPath is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"\nplot: {split.PlotPath}\n");
            }
        }

        return text.ToString();
    }

    private static string FormatJson(IReadOnlyList<SplitResult> results) => NicJsonContext.Format(
        new EvalJson([.. results.Select(split => new EvalSplitJson(
            split.Split.Name,
            split.Split.Directory,
            split.Split.Downscale,
            split.Crop,
            [.. split.Images.Select(image => new EvalImageJson(image.Name, image.Image.Width, image.Image.Height))],
            [.. split.Curves.Select(curve => new EvalCurveJson(
                curve.Name,
                curve.Kind,
                [.. curve.Points.Select(point => new EvalPointJson(
                    curve.Kind == "nic" && point.NicQuality is null ? point.Quality : null,
                    curve.Kind == "nic" ? null : point.Quality,
                    point.Model,
                    point.NicQuality,
                    Math.Round(point.Mean.Bpp, 5),
                    Math.Round(point.Mean.PsnrDb, 3),
                    [.. point.Images.Select(m => new EvalMeasurementJson(
                        m.Image,
                        m.Bytes,
                        Math.Round(m.Bpp, 5),
                        Math.Round(m.PsnrDb, 3),
                        BenchStatistics.Significant(m.EncodeSeconds),
                        double.IsFinite(m.DecodeSeconds) ? BenchStatistics.Significant(m.DecodeSeconds) : null))]))]))],
            [.. split.BdRates.Select(b => new EvalBdRateJson(b.Test, b.Anchor, b.Percent is double p ? Math.Round(p, 2) : null))]))]),
        NicJsonContext.Default.EvalJson);

    /// <summary>One split's images, curves, BD-rates and the plot written for it (null: none).</summary>
    private sealed record SplitResult(EvalSplit Split, int? Crop, IReadOnlyList<EvalImage> Images, IReadOnlyList<RdCurve> Curves, IReadOnlyList<(string Test, string Anchor, double? Percent)> BdRates, string? PlotPath);
}
