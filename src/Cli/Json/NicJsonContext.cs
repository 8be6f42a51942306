using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nic.Cli.Json;

/// <summary>
/// The JSON documents the <c>nic</c> commands print with <c>--json</c>, serialized by source generation: property
/// names in snake_case, indented, one record per command's schema (below). Absent values are written as null.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(EncodeJson))]
[JsonSerializable(typeof(DecodeJson))]
[JsonSerializable(typeof(InfoJson))]
[JsonSerializable(typeof(ModelsJson))]
internal sealed partial class NicJsonContext : JsonSerializerContext
{
    /// <summary>The text of <paramref name="value"/> followed by a line break, as the commands print it.</summary>
    public static string Format<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Serialize(value, type) + "\n";
}

/// <summary>What the input image file held before its conversion to 8-bit RGB (<c>nic encode --json</c>).</summary>
/// <param name="Format">png, jpeg, pnm, bmp, gif, psd, hdr or unknown (TGA).</param>
/// <param name="Channels">1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.</param>
/// <param name="BitsPerSample">8, 16 (16-bit PNG or Netpbm) or 32 (HDR).</param>
/// <param name="TranslucentPixels">Pixels whose alpha is below its largest value.</param>
internal sealed record InputJson(string Format, int Channels, int BitsPerSample, long TranslucentPixels);

/// <summary><c>nic encode --json</c>.</summary>
internal sealed record EncodeJson(
    string Output,
    int Width,
    int Height,
    string Model,
    int RatePoint,
    long Bytes,
    int ZBytes,
    long YBytes,
    double Bpp,
    int Bands,
    double ReadS,
    double EncodeS,
    string Backend,
    InputJson Input,
    IReadOnlyList<string> Warnings);

/// <summary><c>nic decode --json</c>.</summary>
/// <param name="Input">The .nic file, or - for standard input.</param>
/// <param name="Output">The image file written, or - for standard output.</param>
/// <param name="Format">png, ppm or bmp.</param>
/// <param name="Bpp">Bits per pixel of the .nic file; null when it came from standard input (its length is not known ahead).</param>
/// <param name="Bytes">The length of the image file written.</param>
internal sealed record DecodeJson(
    string Input,
    string Output,
    string Format,
    int Width,
    int Height,
    string Model,
    int RatePoint,
    double? Bpp,
    long Bytes,
    double DecodeS,
    string Backend,
    IReadOnlyList<string> Warnings);

/// <summary>The model of <see cref="InfoJson"/>.</summary>
internal sealed record InfoModelJson(string Name, string Sha256);

/// <summary>The metadata lengths of <see cref="InfoJson"/> (null when the file has none).</summary>
internal sealed record InfoMetadataJson(int? IccBytes, int? ExifBytes, int? XmpBytes);

/// <summary>One chunk of <see cref="InfoJson"/>; the CRC in 8 hex digits.</summary>
internal sealed record InfoChunkJson(long Offset, string Type, int Length, string Crc);

/// <summary><c>nic info --json</c>; shapes are [channels, height, width].</summary>
internal sealed record InfoJson(
    string File,
    string Version,
    int Width,
    int Height,
    string ChannelLayout,
    string PaddingRule,
    int Alignment,
    InfoModelJson Model,
    int RatePoint,
    float RateParameter,
    int[] ZShape,
    int[] YShape,
    string BandLayout,
    int BandRows,
    int Bands,
    InfoMetadataJson Metadata,
    IReadOnlyList<InfoChunkJson> Chunks);

/// <summary>One model of <see cref="ModelsJson"/>.</summary>
/// <param name="Bytes">The file's length; left out for a model without a file.</param>
/// <param name="ValidationBpp">The validation bpp the model's training metadata records; null when it records none.</param>
/// <param name="ValidationPsnrDb">The validation PSNR in dB the training metadata records; null when it records none.</param>
internal sealed record ModelJson(
    string Name,
    string Family,
    int RatePoint,
    string Architecture,
    int N,
    int M,
    double Lambda,
    string Sha256,
    string Source,
    string? Path,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Bytes,
    double? ValidationBpp,
    double? ValidationPsnrDb);

/// <summary><c>nic models --json</c>.</summary>
internal sealed record ModelsJson(string Default, IReadOnlyList<string> Directories, IReadOnlyList<ModelJson> Models);
