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
