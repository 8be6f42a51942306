using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary><c>nic decode IN.nic -o OUT.png</c>: decompresses a .nic file to PNG, streaming band by band.</summary>
internal static class DecodeCommand
{
    public static Command Create(TransformBackends backends)
    {
        var input = new Argument<FileInfo>("IN") { Description = "The .nic file." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The PNG to write (atomically), with the file's ICC, EXIF and XMP.", Required = true };
        var maxPixels = new Option<long>("--max-pixels")
        {
            Description = $"Refuse a file of more pixels than this, before decoding it (default {NicCodecOptions.DefaultMaxDecodePixels:N0}).",
            DefaultValueFactory = _ => NicCodecOptions.DefaultMaxDecodePixels,
        };
        var maxMemory = new Option<long>("--max-memory")
        {
            Description = $"Refuse a file whose decode is estimated to need more MiB than this, before decoding it (default {NicCodecOptions.DefaultMaxDecodeMemoryBytes >> 20}).",
            DefaultValueFactory = _ => NicCodecOptions.DefaultMaxDecodeMemoryBytes >> 20,
        };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("decode", "Decompress a .nic file to PNG.") { input, output, maxPixels, maxMemory };
        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                if (result.GetValue(maxPixels) < 1 || result.GetValue(maxMemory) < 1)
                {
                    throw new ArgumentException($"--max-pixels and --max-memory must be at least 1 (got {result.GetValue(maxPixels)} and {result.GetValue(maxMemory)})");
                }

                NicCodec codec = shared.CreateCodec(result, configure: options =>
                {
                    options.MaxDecodePixels = result.GetValue(maxPixels);
                    long megabytes = result.GetValue(maxMemory);
                    options.MaxDecodeMemoryBytes = megabytes > long.MaxValue >> 20 ? long.MaxValue : megabytes << 20;
                });
                OutputPath.CheckFolder(result.GetValue(output)!.FullName);
                var watch = Stopwatch.StartNew();
                await using FileStream stream = new(result.GetValue(input)!.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
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
                string path = result.GetValue(output)!.FullName;
                ImageFiles.WritePng(path, image);
                result.InvocationConfiguration.Output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: {image.Width}×{image.Height}, model {decoder.Info.Model.Name} (rate point {decoder.Info.RatePoint}), {decoder.Info.BitsPerPixel:F4} bpp, decoded in {seconds:F2} s on {decoder.Backend}"));
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
