using System.CommandLine;
using System.Globalization;
using System.Text;
using Nic.Cli.Json;
using Nic.Cli.Conformance;
using Nic.Codec;
using Nic.Codec.Inference;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic conformance [DIR] [--backend managed|torch] [--arithmetic fused|reference] [--json]</c> runs the conformance
/// suite (the reference decoder with <c>--arithmetic reference</c>);
/// <c>nic conformance generate [DIR] [--overwrite]</c> writes it.
/// </summary>
internal static class ConformanceCommand
{
    public static Command Create(TransformBackends backends)
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "The suite directory (with manifest.json).", DefaultValueFactory = _ => new DirectoryInfo("conformance") };
        var json = new Option<bool>("--json") { Description = "Print {\"passed\",\"failed\",\"cases\":[…]} as JSON." };
        var shared = new CodecCommandOptions(backends);
        var command = new Command("conformance", "Decode every case of the conformance suite and check it: golden streams against their expected header, symbols and pixels, invalid streams against their error codes.")
        {
            directory, json,
        };
        shared.AddTo(command);
        command.Subcommands.Add(CreateGenerate());
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                NicCodec codec = shared.CreateCodec(result);
                var progress = new ProgressLine(error, "conformance");
                IReadOnlyList<ConformanceResult> results = await ConformanceRunner.RunAsync(result.GetValue(directory)!.FullName, codec, progress.Status, cancellationToken);
                progress.Finish();
                output.Write(result.GetValue(json) ? FormatJson(results, codec.Backend) : FormatText(results, codec.Backend));
                return results.All(r => r.Passed) ? ExitCodes.Success : ExitCodes.InvalidData;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException or InvalidDataException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    private static Command CreateGenerate()
    {
        var directory = new Argument<DirectoryInfo>("DIR") { Description = "Where to write the suite.", DefaultValueFactory = _ => new DirectoryInfo("conformance") };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing suite (golden files change only on purpose: say why in the commit)." };
        var sample = new Option<FileInfo>("--sample") { Description = "The photo of the photo cases.", DefaultValueFactory = _ => new FileInfo("samples/seeding.png") };
        var metadataSamples = new Option<DirectoryInfo>("--metadata-samples") { Description = "The folder of the real ICC profile, EXIF and XMP of the compressed-metadata cases (sRGB.icc, blinds.exif, coldripple.xmp).", DefaultValueFactory = _ => new DirectoryInfo("samples/metadata") };
        var command = new Command("generate", "Write the conformance suite with the reference managed decoder: golden streams of every shipped model, sizes, band layouts, metadata and escape extremes, and invalid streams with their error codes.")
        {
            directory, overwrite, sample, metadataSamples,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            await SignalHandlers.InstalledAsync();
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                // The golden images are the reference decoder's: the managed engine in the reference arithmetic.
                var codec = new NicCodec(backends: new ManagedBackendFactory { Arithmetic = ManagedArithmetic.Reference });
                var generator = new ConformanceGenerator(codec, result.GetValue(sample)!.FullName, result.GetValue(metadataSamples)!.FullName, result.InvocationConfiguration.Output);
                ConformanceManifest manifest = await generator.GenerateAsync(result.GetValue(directory)!.FullName, result.GetValue(overwrite), cancellationToken);
                result.InvocationConfiguration.Output.WriteLine($"wrote {manifest.Cases.Count} cases to {result.GetValue(directory)!.FullName}");
                return ExitCodes.Success;
            }
            catch (InvalidOperationException e)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.UsageOrFile;
            }
            catch (Exception e) when (CommandErrors.IsReported(e))
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    private static string FormatText(IReadOnlyList<ConformanceResult> results, string backend)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nic conformance — backend {backend}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{"case",-36} {"kind",-8} {"result",-6} {"max err",7} {"PSNR dB",8}  detail\n");
        foreach (ConformanceResult r in results)
        {
            string psnr = r.PsnrDb is double p ? (double.IsPositiveInfinity(p) ? "inf" : p.ToString("F2", CultureInfo.InvariantCulture)) : "";
            text.Append(CultureInfo.InvariantCulture, $"{r.Name,-36} {r.Kind,-8} {(r.Passed ? "pass" : "FAIL"),-6} {r.MaxError?.ToString(CultureInfo.InvariantCulture) ?? "",7} {psnr,8}  {r.Detail}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed\n");
        return text.ToString();
    }

    private static string FormatJson(IReadOnlyList<ConformanceResult> results, string backend) => NicJsonContext.Format(
        new ConformanceJson(
            backend,
            results.Count(r => r.Passed),
            results.Count(r => !r.Passed),
            [.. results.Select(r => new ConformanceCaseJson(r.Name, r.Kind, r.Passed ? "pass" : "fail", r.Detail, r.MaxError, r.PsnrDb))]),
        NicJsonContext.Default.ConformanceJson);
}
