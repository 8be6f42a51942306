using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary><c>nic encode IN -o OUT.nic [--model M] [--quality Q]</c>: compresses a PNG, JPEG or PPM image.</summary>
internal static class EncodeCommand
{
    public static Command Create(TransformBackends backends)
    {
        var input = new Argument<FileInfo>("IN") { Description = "The image: PNG, JPEG, PPM/PGM, BMP or TGA. ICC, EXIF and XMP of PNG and JPEG files are carried." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The .nic file to write (atomically).", Required = true };
        var model = new Option<string?>("--model") { Description = $"A model or family name from `nic models` (default: {NicModelCatalog.DefaultModelName})." };
        var quality = new Option<int?>("--quality", "-q") { Description = "The rate point within the model's family (`nic models` lists them)." };
        var bandRows = new Option<int>("--band-rows") { Description = "Latent rows per y band (16 image rows each).", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("encode", "Compress an image into a .nic file.") { input, output, model, quality, bandRows, json };
        shared.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                NicCodec codec = shared.CreateCodec(result, result.GetValue(bandRows));
                var options = new NicEncodeOptions { Model = result.GetValue(model), Quality = result.GetValue(quality) };
                QualityOption.Check(codec, options);
                NicModelEntry entry = codec.ResolveModel(options);
                OutputPath.CheckFolder(result.GetValue(output)!.FullName);
                var watch = Stopwatch.StartNew();
                RgbImage image = ImageFiles.Read(result.GetValue(input)!.FullName);
                double readSeconds = watch.Elapsed.TotalSeconds;
                watch.Restart();
                NicEncodeResult encoded = await codec.EncodeFileAsync(image, result.GetValue(output)!.FullName, options, cancellationToken);
                double seconds = watch.Elapsed.TotalSeconds;
                WriteResult(result.InvocationConfiguration.Output, result.GetValue(json), result.GetValue(output)!.FullName, entry, encoded, readSeconds, seconds, codec.Backend);
                return ExitCodes.Success;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    private static void WriteResult(TextWriter output, bool json, string path, NicModelEntry model, NicEncodeResult encoded, double readSeconds, double seconds, string backend)
    {
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("output", path);
                writer.WriteNumber("width", encoded.Header.Width);
                writer.WriteNumber("height", encoded.Header.Height);
                writer.WriteString("model", model.Name);
                writer.WriteNumber("rate_point", model.RatePoint);
                writer.WriteNumber("bytes", encoded.Bytes);
                writer.WriteNumber("z_bytes", encoded.ZBytes);
                writer.WriteNumber("y_bytes", encoded.YBytes);
                writer.WriteNumber("bpp", encoded.BitsPerPixel);
                writer.WriteNumber("bands", encoded.Header.BandCount);
                writer.WriteNumber("read_s", readSeconds);
                writer.WriteNumber("encode_s", seconds);
                writer.WriteString("backend", backend);
                writer.WriteEndObject();
            }

            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{path}: {encoded.Header.Width}×{encoded.Header.Height}, {encoded.Bytes:N0} bytes, {encoded.BitsPerPixel:F4} bpp, model {model.Name} (rate point {model.RatePoint}), encoded in {seconds:F2} s on {backend}"));
    }
}
