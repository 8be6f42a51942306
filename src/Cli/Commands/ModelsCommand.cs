using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Cli.Json;
using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>nic models [--models DIR] [--json]</c>: lists the models the codec can use (<c>nic-torch models import</c>
/// converts a PyTorch state dict into a model file).
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        Option<string[]> directories = new CodecCommandOptions(TransformBackends.ManagedOnly).ModelDirectories;
        var json = new Option<bool>("--json") { Description = "Print the list as JSON." };
        var command = new Command("models", "List the shipped models and those of --models directories, with their families, rate points and validation figures.") { directories, json };
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            string[] extra = result.GetValue(directories) ?? [];
            string? missing = extra.FirstOrDefault(d => !Directory.Exists(d));
            if (missing is not null)
            {
                error.WriteLine($"error: model directory '{missing}' does not exist");
                return ExitCodes.UsageOrFile;
            }

            // The listing shows every model's file, so every family file is loaded (and checked) first: one that fails
            // leaves the list and is reported with the files the scan skipped.
            var catalog = new NicModelCatalog(extra);
            _ = catalog.Families;
            IReadOnlyList<NicModelEntry> models = catalog.Models;
            foreach (string problem in catalog.Problems)
            {
                error.WriteLine($"warning: {problem}");
            }

            output.Write(result.GetValue(json) ? FormatJson(models, catalog.Directories) : FormatText(models, catalog.Directories));
            return ExitCodes.Success;
        });
        command.Subcommands.Add(CreatePack());
        return command;
    }

    /// <summary>
    /// <c>nic models pack --family NAME -o OUT FILE…</c>: packs the fixed-rate files of one family into one variable-rate
    /// file (spec/nic-model.md §11), verified to rebuild each of them byte for byte.
    /// </summary>
    private static Command CreatePack()
    {
        var family = new Option<string>("--family") { Description = "The family's name, which every file's 'family' metadata must name.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The variable-rate file to write (.nicm).", Required = true };
        var description = new Option<string?>("--description") { Description = "The family file's description metadata." };
        var files = new Argument<string[]>("files") { Description = "The family's fixed-rate model files (at least two).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("pack", "Pack the fixed-rate files of one family into one variable-rate model file (shared weights once, each point's gained layers, the gain vectors).") { family, output, description, files };
        CommandExamples.Add(command, "nic models pack --family nic-mbt2018-mean -o nic-mbt2018-mean.nicm nic-mbt2018-mean-q*.nicm");
        command.SetAction(result =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            string[] paths = result.GetValue(files) ?? [];
            try
            {
                var bytes = paths.Select(p => (ReadOnlyMemory<byte>)File.ReadAllBytes(p)).ToArray();
                byte[] packed = NicModelFamilyBuilder.Build(result.GetValue(family)!, bytes, result.GetValue(description));
                string target = result.GetValue(output)!;
                Nic.Format.AtomicFile.WriteAllBytes(target, packed);
                NicModelFamily loaded = NicModelFamily.Load(packed);
                result.InvocationConfiguration.Output.WriteLine(
                    $"{target}: family {loaded.Name}, {loaded.Points.Count} points ({string.Join(", ", loaded.Points.Select(p => p.Name))}), {packed.Length:N0} bytes instead of {bytes.Sum(b => (long)b.Length):N0}");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or Nic.Codec.NicCodecException)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.UsageOrFile;
            }
        });
        return command;
    }

    private static string FormatText(IReadOnlyList<NicModelEntry> models, IReadOnlyList<string> directories)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{models.Count} model(s) in {string.Join(", ", directories)}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{"name",-34} {"family",-30} {"q",3} {"architecture",-20} {"N/M",-8} {"lambda",-8} {"MB",6}  {"val bpp",7} {"val PSNR",8}  {"sha256",-12} source\n");
        foreach (NicModelEntry m in models)
        {
            (double? bpp, double? psnr) = ValidationFigures(m.File);
            string mark = m.Name == NicModelCatalog.DefaultModelName ? " (default)" : string.Empty;
            text.Append(CultureInfo.InvariantCulture, $"{m.Name,-34} {m.Family,-30} {m.RatePoint,3} {m.File.Architecture.Identifier,-20} {$"{m.File.HyperParameters.N}/{m.File.HyperParameters.M}",-8} {m.File.Lambda,-8:G4} {FileMegabytes(m),6:F2}  {Figure(bpp, "F3"),7} {Figure(psnr, "F2"),8}  {m.Sha256Hex[..12],-12} {m.Source}{mark}\n");
        }

        // Which images the figures are of: they come from each file's training metadata, not from this run.
        text.Append("\nval bpp, val PSNR: as recorded at the end of training (metadata training.validation_final): the smooth validation\n");
        text.Append("split of docs/data.md (centre 256×256 crops at 2–4× downscale, bpp from the likelihoods), not real photos at full size.\n");
        return text.ToString();
    }

    private static string FormatJson(IReadOnlyList<NicModelEntry> models, IReadOnlyList<string> directories)
    {
        var list = new List<ModelJson>();
        foreach (NicModelEntry m in models)
        {
            (double? bpp, double? psnr) = ValidationFigures(m.File);
            list.Add(new ModelJson(
                m.Name,
                m.Family,
                m.RatePoint,
                m.File.Architecture.Identifier,
                m.File.HyperParameters.N,
                m.File.HyperParameters.M,
                m.File.Lambda,
                m.Sha256Hex,
                m.Source,
                m.Path,
                m.Path is null ? null : new FileInfo(m.Path).Length,
                bpp,
                psnr));
        }

        return NicJsonContext.Format(new ModelsJson(NicModelCatalog.DefaultModelName, directories, list), NicJsonContext.Default.ModelsJson);
    }

    /// <summary>
    /// The validation bpp and PSNR the model's <c>training</c> metadata records: <c>validation_final</c>
    /// (<c>{"bpp": …, "psnr": …}</c>, written by the PyTorch trainer of the shipped models), else the
    /// <c>validation_bpp</c> and <c>validation_psnr_db</c> that <c>nic-torch train image</c> writes.
    /// </summary>
    private static (double? Bpp, double? Psnr) ValidationFigures(NicModelFile file)
    {
        if (!file.Metadata.TryGetValue("training", out string? training))
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(training);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            static double? Read(JsonElement element, string name) =>
                element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
            JsonElement root = document.RootElement;
            JsonElement final = root.TryGetProperty("validation_final", out JsonElement f) ? f : default;
            return (Read(final, "bpp") ?? Read(root, "validation_bpp"), Read(final, "psnr") ?? Read(root, "validation_psnr_db") ?? Read(root, "validation_psnr"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static double FileMegabytes(NicModelEntry m) => m.Path is null ? 0 : new FileInfo(m.Path).Length / 1e6;

    private static string Figure(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "—";
}
