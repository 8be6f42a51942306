using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nic.Cli.Imaging;
using Nic.Cli.Json;
using Nic.Codec.Catalog;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic encode IN -o OUT.nic [--model M] [--quality Q | --rate-point K | --target-bpp B | --target-size BYTES | --target-psnr DB]</c>: compresses a PNG, JPEG or PPM image; <c>-</c> is
/// standard input or output.
/// </summary>
internal static class EncodeCommand
{
    public static Command Create(TransformBackends backends)
    {
        var input = new Argument<FileInfo>("IN") { Description = "The image: PNG, JPEG, PPM/PGM, BMP or TGA; - reads standard input (at most 1 GiB). ICC, EXIF and XMP of PNG and JPEG files are carried." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The .nic file to write (atomically); - writes standard output (the result line then goes to standard error).", Required = true };
        var model = new Option<string?>("--model") { Description = $"A model or family name from `nic models` (default: {NicModelCatalog.DefaultModelName})." };
        var rate = new RateOptions(targets: true);
        var effort = EffortOption.Create();
        var bandRows = new Option<int>("--band-rows") { Description = "Latent rows per y band (16 image rows each).", DefaultValueFactory = _ => 8 };
        var dropAlpha = new Option<bool>("--drop-alpha") { Description = "Encode an image whose alpha channel is not opaque everywhere, without its alpha (Nic stores RGB; the colour is kept as stored, not composited). Without it such an image is refused." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var shared = new CodecCommandOptions(backends);
        var metadata = new MetadataOptions();
        var command = new Command("encode", "Compress an image into a .nic file.") { input, output, model, effort, bandRows, dropAlpha, json };
        rate.AddTo(command);
        metadata.AddTo(command);
        shared.AddTo(command);
        CommandExamples.Add(command, "nic encode photo.png -o photo.nic -q 60", "nic encode photo.png -o photo.nic --target-size 50000", "nic encode photo.jpg -o photo.nic --keep icc", "cat photo.png | nic encode - -o - | nic decode - -o copy.png");
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                FileInfo inputFile = result.GetValue(input)!;
                FileInfo outputFile = result.GetValue(output)!;
                bool toStdout = StandardStreams.IsDash(outputFile);
                NicCodec codec = shared.CreateCodec(result, result.GetValue(bandRows), effort: result.GetValue(effort));
                NicEncodeOptions options = metadata.Apply(result, rate.Build(result, result.GetValue(model))) with { Effort = result.GetValue(effort) };
                List<string> notes = RateOptions.Check(codec, options);
                codec.ResolveModel(options);
                if (toStdout)
                {
                    StandardStreams.CheckOutputRedirected();
                }
                else
                {
                    OutputPath.CheckFolder(outputFile.FullName);
                }

                var watch = Stopwatch.StartNew();
                string inputName = StandardStreams.IsDash(inputFile) ? "standard input" : inputFile.FullName;
                ImageFileContent content = StandardStreams.IsDash(inputFile)
                    ? ImageFiles.ReadContent(StandardStreams.OpenInput(), inputName)
                    : ImageFiles.ReadContent(inputFile.FullName);
                List<string> warnings = [.. notes, .. InputConversion.Check(content.Source, inputName, result.GetValue(dropAlpha))];
                foreach (string warning in warnings)
                {
                    error.WriteLine(warning);
                }

                double readSeconds = watch.Elapsed.TotalSeconds;
                watch.Restart();
                NicEncodeResult encoded;
                string outputName;
                if (toStdout)
                {
                    using var buffer = new MemoryStream();
                    encoded = await codec.EncodeAsync(content.Image, buffer, options, cancellationToken);
                    await StandardStreams.WriteOutputAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                    outputName = StandardStreams.Dash;
                }
                else
                {
                    encoded = await codec.EncodeFileAsync(content.Image, outputFile.FullName, options, cancellationToken);
                    outputName = outputFile.FullName;
                }

                double seconds = watch.Elapsed.TotalSeconds;
                string modelName = encoded.Header.Model.Name;
                // A file coded between trained points names its family file, and its rate_parameter is the rate position
                // (spec/nic-format.md §7.1); a file coded at a trained point names that point's fixed-rate file.
                double? position = codec.Catalog.FindFamily(modelName) is { } family && encoded.Header.Model.Equals(family.Id) ? encoded.Header.RateParameter : null;
                RateTargetJson? targetJson = options.Target is { } target
                    ? new RateTargetJson(TargetKind(target), target.Value, encoded.TargetMet ?? false, encoded.Encodes, encoded.PsnrDb)
                    : null;
                TextWriter summary = toStdout ? error : result.InvocationConfiguration.Output;
                if (result.GetValue(json))
                {
                    ImageSource source = content.Source;
                    summary.Write(NicJsonContext.Format(
                        new EncodeJson(
                            outputName,
                            encoded.Header.Width,
                            encoded.Header.Height,
                            modelName,
                            encoded.Header.RatePoint,
                            encoded.Bytes,
                            encoded.ZBytes,
                            encoded.YBytes,
                            encoded.BitsPerPixel,
                            encoded.Header.BandCount,
                            readSeconds,
                            seconds,
                            codec.Backend,
                            new InputJson(source.Format.ToString().ToLowerInvariant(), source.Channels, source.BitsPerSample, source.TranslucentPixels),
                            MetadataOptions.NamesOf(encoded.MetadataItems),
                            encoded.MetadataBytes,
                            warnings,
                            options.Effort ?? NicEncodeOptions.MinEffort,
                            encoded.Lambda,
                            encoded.Quality,
                            position,
                            targetJson),
                        NicJsonContext.Default.EncodeJson));
                }
                else
                {
                    string rateText = position is double p
                        ? string.Create(CultureInfo.InvariantCulture, $"rate position {p:0.######}")
                        : string.Create(CultureInfo.InvariantCulture, $"rate point {encoded.Header.RatePoint}");
                    summary.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{outputName}: {encoded.Header.Width}×{encoded.Header.Height}, {encoded.Bytes:N0} bytes{MetadataSummary(encoded)}, {encoded.BitsPerPixel:F4} bpp, model {modelName} ({rateText}, quality {encoded.Quality:F1}), {(options.Effort is > NicEncodeOptions.MinEffort ? $"effort {options.Effort} ({codec.Options.LatentOptimizer!.Name}), " : "")}encoded in {seconds:F2} s on {codec.Backend}"));
                    if (options.Target is { } t)
                    {
                        string reached = t.Kind switch
                        {
                            NicRateTargetKind.BitsPerPixel => string.Create(CultureInfo.InvariantCulture, $"{encoded.BitsPerPixel:F4} bpp"),
                            NicRateTargetKind.Bytes => string.Create(CultureInfo.InvariantCulture, $"{encoded.Bytes:N0} bytes"),
                            _ => string.Create(CultureInfo.InvariantCulture, $"{encoded.PsnrDb:F2} dB"),
                        };
                        summary.WriteLine($"target {t}: {(encoded.TargetMet == true ? "met" : "NOT met (out of the family's range; the nearest end was used)")} with {reached}, after {encoded.Encodes} encodes");
                    }
                }

                return ExitCodes.Success;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    private static string TargetKind(NicRateTarget target) => target.Kind switch
    {
        NicRateTargetKind.BitsPerPixel => "bpp",
        NicRateTargetKind.Bytes => "bytes",
        _ => "psnr_db",
    };

    /// <summary>" (metadata icc, exif: 9,312 bytes)" when the file carries metadata, else nothing.</summary>
    private static string MetadataSummary(NicEncodeResult encoded) =>
        encoded.MetadataItems == Nic.Format.NicMetadataItems.None
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $" (metadata {string.Join(", ", MetadataOptions.NamesOf(encoded.MetadataItems))}: {encoded.MetadataBytes:N0} bytes)");
}
