using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nic.Cli.Imaging;
using Nic.Cli.Json;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic decode IN.nic -o OUT.png|.ppm|.bmp</c>: decompresses a .nic file, streaming band by band; <c>-</c> is
/// standard input or output.
/// </summary>
internal static class DecodeCommand
{
    public static Command Create(TransformBackends backends)
    {
        var input = new Argument<FileInfo>("IN") { Description = "The .nic file; - reads standard input (streamed)." };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "The image to write (atomically); its extension decides the format: .png (with the file's ICC, EXIF and XMP), .ppm (P6) or .bmp. - writes standard output (PNG unless --format; the result line then goes to standard error).",
            Required = true,
        };
        var format = new Option<ImageOutputFormat?>("--format") { Description = "png, ppm or bmp: the format for -o - or a name without extension; must agree with an extension." };
        var limits = new DecodeLimitOptions();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("decode", "Decompress a .nic file to PNG, PPM or BMP.") { input, output, format };
        limits.AddTo(command);
        command.Options.Add(json);
        shared.AddTo(command);
        CommandExamples.Add(command, "nic decode photo.nic -o photo.png", "nic decode - -o - --format ppm < photo.nic > photo.ppm");
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                FileInfo inputFile = result.GetValue(input)!;
                FileInfo outputFile = result.GetValue(output)!;
                bool fromStdin = StandardStreams.IsDash(inputFile);
                bool toStdout = StandardStreams.IsDash(outputFile);
                ImageOutputFormat outputFormat = OutputFormats.Resolve(toStdout ? null : outputFile.FullName, result.GetValue(format));
                NicCodec codec = shared.CreateCodec(result, configure: options => limits.Apply(result, options));
                if (toStdout)
                {
                    StandardStreams.CheckOutputRedirected();
                }
                else
                {
                    OutputPath.CheckFolder(outputFile.FullName);
                }

                var watch = Stopwatch.StartNew();
                await using Stream stream = fromStdin
                    ? StandardStreams.OpenInput()
                    : new FileStream(inputFile.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                await using NicRowDecoder decoder = await codec.OpenAsync(stream, cancellationToken);
                var image = new RgbImage(decoder.Info.Width, decoder.Info.Height) { Metadata = decoder.Info.Metadata };
                var progress = new ProgressLine(error, "decode");
                await foreach (RgbRowBlock block in decoder.ReadRowsAsync(cancellationToken))
                {
                    block.Pixels.Span.CopyTo(image.Pixels.AsSpan(block.FirstRow * image.Stride));
                    progress.Report(block.FirstRow + block.RowCount, image.Height, "rows");
                }

                progress.Finish();
                double seconds = watch.Elapsed.TotalSeconds;
                var warnings = new List<string>();
                if (outputFormat != ImageOutputFormat.Png && !image.Metadata.IsEmpty)
                {
                    warnings.Add($"warning: {outputFormat.ToString().ToUpperInvariant()} has no place for the file's ICC profile, EXIF or XMP; they are not written (write .png to keep them)");
                }

                foreach (string warning in warnings)
                {
                    error.WriteLine(warning);
                }

                string path;
                long written;
                if (toStdout)
                {
                    using var buffer = new MemoryStream();
                    ImageFiles.Write(buffer, image, outputFormat);
                    await StandardStreams.WriteOutputAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                    path = StandardStreams.Dash;
                    written = buffer.Length;
                }
                else
                {
                    path = outputFile.FullName;
                    ImageFiles.Write(path, image, outputFormat);
                    written = new FileInfo(path).Length;
                }

                double bpp = decoder.Info.BitsPerPixel;
                TextWriter summary = toStdout ? error : result.InvocationConfiguration.Output;
                if (result.GetValue(json))
                {
                    summary.Write(NicJsonContext.Format(
                        new DecodeJson(
                            fromStdin ? StandardStreams.Dash : inputFile.FullName,
                            path,
                            outputFormat.ToString().ToLowerInvariant(),
                            image.Width,
                            image.Height,
                            decoder.Info.Model.Name,
                            decoder.Info.RatePoint,
                            double.IsFinite(bpp) ? bpp : null,
                            written,
                            seconds,
                            decoder.Backend,
                            warnings),
                        NicJsonContext.Default.DecodeJson));
                }
                else
                {
                    string rate = double.IsFinite(bpp) ? string.Create(CultureInfo.InvariantCulture, $", {bpp:F4} bpp") : string.Empty;
                    summary.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: {image.Width}×{image.Height}, model {decoder.Info.Model.Name} (rate point {decoder.Info.RatePoint}){rate}, decoded in {seconds:F2} s on {decoder.Backend}"));
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
}
