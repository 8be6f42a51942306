using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nic.Cli.Conformance;

/// <summary>The suite's <c>manifest.json</c>: the tolerance policy and every case (conformance/README.md).</summary>
internal sealed record ConformanceManifest(string Format, int Version, ConformanceTolerances Tolerances, IReadOnlyList<ConformanceCase> Cases)
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "nic-conformance";

    /// <summary>The file name of the manifest in a suite directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>
    /// The folder of a suite directory holding the model files of its cases that no catalog ships (random test models of
    /// architectures without a shipped model, e.g. <c>mbt2018-mean-cc</c>); a runner adds its <c>*.nicm</c> files to the
    /// codec's catalog before decoding.
    /// </summary>
    public const string ModelsFolder = "models";

    /// <summary>Adds every model file of the suite's <see cref="ModelsFolder"/> (if any) to <paramref name="catalog"/>.</summary>
    /// <exception cref="Nic.Codec.NicCodecException">A model file is invalid.</exception>
    public static void AddSuiteModels(string directory, Nic.Codec.Catalog.NicModelCatalog catalog)
    {
        string models = Path.Combine(directory, ModelsFolder);
        if (!Directory.Exists(models))
        {
            return;
        }

        foreach (string path in Directory.EnumerateFiles(models, "*" + Nic.Codec.Catalog.NicModelCatalog.ModelFileExtension).Order(StringComparer.Ordinal))
        {
            catalog.Add(Nic.Codec.Models.NicModelFile.Load(path));
        }
    }

    /// <summary>snake_case names, indented, nulls left out.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads <c>manifest.json</c> of <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">The manifest is missing fields or of another format.</exception>
    public static ConformanceManifest Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        ConformanceManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ConformanceManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a conformance manifest: {e.Message}", e);
        }

        if (manifest is null || manifest.Format != FormatName || manifest.Version != 1 || manifest.Cases is null || manifest.Tolerances is null)
        {
            throw new InvalidDataException($"{path} is not a version-1 {FormatName} manifest");
        }

        return manifest;
    }
}
