using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch;
using Nic.Torch.Models;
using Nic.Cli;
using Nic.Cli.Commands;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// <c>nic models import STATE.safetensors -o OUT.nicm --arch ARCH --name NAME --lambda L [--rate-point K] [--family F]
/// [--training FILE.json] [--float16]</c>: turns a PyTorch state dict under CompressAI's names into a Nic model file.
/// </summary>
internal static class ModelsImportCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("STATE") { Description = "The state dict as safetensors (F32 or F16 tensors under CompressAI's names), e.g. from safetensors.torch.save_file(model.state_dict(), path)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The model file to write (atomically).", Required = true };
        var architecture = new Option<string>("--arch") { Description = "The architecture of the state dict: bmshj2018-factorized, bmshj2018-hyperprior or mbt2018-mean.", Required = true };
        var name = new Option<string>("--name") { Description = "The model's registry name: 1 to 64 characters from a-z 0-9 . _ -.", Required = true };
        var lambda = new Option<double>("--lambda") { Description = "The λ the weights were trained with (recorded in the file).", Required = true };
        var ratePoint = new Option<int>("--rate-point") { Description = "The rate point recorded in the file (e.g. CompressAI's quality 1–8).", DefaultValueFactory = _ => 0 };
        var family = new Option<string?>("--family") { Description = "The model family recorded in the file: `nic encode --model FAMILY --quality RATE-POINT` picks among its members." };
        var training = new Option<FileInfo?>("--training") { Description = "A JSON file describing the training, stored as the model's `training` metadata." };
        var float16 = new Option<bool>("--float16") { Description = "Store the parameters as binary16 (half the size); the tables are built from the rounded values." };
        var command = new Command("import", "Convert a PyTorch state dict (safetensors, CompressAI's names) into a Nic model file; the entropy tables are rebuilt.")
        {
            input, output, architecture, name, lambda, ratePoint, family, training, float16,
        };
        command.SetAction(result =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            if (!ImageArchitectureOption.TryGet(result, architecture, error, out ModelArchitecture? arch))
            {
                return ExitCodes.UsageOrFile;
            }

            string modelName = result.GetValue(name)!;
            string? modelFamily = result.GetValue(family);
            foreach ((string what, string? value) in new[] { ("--name", modelName), ("--family", modelFamily) })
            {
                if (value is not null && !NicModelId.IsValidName(value))
                {
                    error.WriteLine($"error: {what} '{value}' must be 1 to 64 characters from a-z 0-9 . _ -");
                    return ExitCodes.UsageOrFile;
                }
            }

            double lambdaValue = result.GetValue(lambda);
            if (!(lambdaValue > 0) || !double.IsFinite(lambdaValue))
            {
                error.WriteLine($"error: --lambda must be a positive finite number (got {lambdaValue.ToString(CultureInfo.InvariantCulture)})");
                return ExitCodes.UsageOrFile;
            }

            FileInfo stateDict = result.GetValue(input)!;
            if (!stateDict.Exists)
            {
                error.WriteLine($"error: no state dict at '{stateDict.FullName}'");
                return ExitCodes.UsageOrFile;
            }

            string? trainingText = null;
            if (result.GetValue(training) is { } trainingFile)
            {
                try
                {
                    trainingText = File.ReadAllText(trainingFile.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot read --training '{trainingFile.FullName}': {e.Message}");
                    return ExitCodes.UsageOrFile;
                }

                try
                {
                    using var document = JsonDocument.Parse(trainingText, new JsonDocumentOptions { MaxDepth = 64 });
                }
                catch (JsonException e)
                {
                    error.WriteLine($"error: --training '{trainingFile.FullName}' is not a JSON document: {e.Message}");
                    return ExitCodes.InvalidData;
                }
            }

            ParameterPrecision precision = result.GetValue(float16) ? ParameterPrecision.Float16 : ParameterPrecision.Float32;
            string target = result.GetValue(output)!.FullName;
            try
            {
                TorchRuntime.EnsureLoaded();
                using ImageCompressionModel model = ImageModels.FromStateDict(stateDict.FullName, arch.Kind);
                byte[] file = model.Export(modelName, lambdaValue, trainingText, result.GetValue(ratePoint), modelFamily, precision);
                AtomicFile.WriteAllBytes(target, file);
                result.InvocationConfiguration.Output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"wrote {target}: {modelName} {arch.Identifier} N={model.N} M={model.M} {(precision == ParameterPrecision.Float16 ? "float16" : "float32")}, {file.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(file))}"));
                return ExitCodes.Success;
            }
            catch (InvalidOperationException e)
            {
                // Parameters beyond the binary16 range (--float16).
                error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidData;
            }
            catch (Exception e) when (CommandErrors.IsReported(e))
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }
}
