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
[JsonSerializable(typeof(EvalJson))]
[JsonSerializable(typeof(ConformanceJson))]
[JsonSerializable(typeof(BenchCoderJson))]
[JsonSerializable(typeof(BenchTransformsJson))]
[JsonSerializable(typeof(BenchCodecJson))]
[JsonSerializable(typeof(BenchParallelJson))]
[JsonSerializable(typeof(BenchMetadataJson))]
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
/// <param name="Metadata">The metadata items the file carries: icc, exif, xmp (after --keep or --strip).</param>
/// <param name="MetadataBytes">The bytes of the metadata chunks in the file, framing included.</param>
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
    IReadOnlyList<string> Metadata,
    long MetadataBytes,
    IReadOnlyList<string> Warnings,
    int Effort,
    double Lambda,
    double Quality,
    double? RatePosition,
    RateTargetJson? Target);

/// <summary>The target of <c>nic encode --target-*</c> and what the search reached.</summary>
/// <param name="Kind">bpp, bytes or psnr_db.</param>
/// <param name="Value">The bound asked for.</param>
/// <param name="Met">Whether the file meets it (false: unreachable with this family; the nearest end was used).</param>
/// <param name="Encodes">The encodes the search took.</param>
/// <param name="PsnrDb">The decoded image's PSNR, measured for a PSNR target.</param>
internal sealed record RateTargetJson(string Kind, double Value, bool Met, int Encodes, double? PsnrDb);

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

/// <summary>
/// The metadata lengths of <see cref="InfoJson"/> (null when the file has none): each item's own length and the payload
/// length of the chunk that stores it, smaller than the item when the chunk is a compressed one (iccz, exfz, xmpz).
/// </summary>
internal sealed record InfoMetadataJson(int? IccBytes, int? ExifBytes, int? XmpBytes, int? IccStoredBytes, int? ExifStoredBytes, int? XmpStoredBytes);

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

/// <summary>One image of an <see cref="EvalSplitJson"/>.</summary>
internal sealed record EvalImageJson(string Name, int Width, int Height);

/// <summary>One image's figures at one point of an <see cref="EvalJson"/> curve; decode_s is left out when the codec's decoder was not timed.</summary>
internal sealed record EvalMeasurementJson(
    string Image,
    long Bytes,
    double Bpp,
    double PsnrDb,
    double EncodeS,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DecodeS);

/// <summary>
/// One point of an <see cref="EvalJson"/> curve: a Nic point has rate_point and model, a classical codec's has quality
/// (the other members are left out).
/// </summary>
internal sealed record EvalPointJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RatePoint,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Quality,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? NicQuality,
    double MeanBpp,
    double MeanPsnrDb,
    IReadOnlyList<EvalMeasurementJson> Images);

/// <summary>One curve of <see cref="EvalJson"/>: kind nic or the classical codec's.</summary>
internal sealed record EvalCurveJson(string Name, string Kind, IReadOnlyList<EvalPointJson> Points);

/// <summary>One BD-rate of <see cref="EvalJson"/>; null when the curves do not overlap.</summary>
internal sealed record EvalBdRateJson(string Model, string Anchor, double? BdRatePercent);

/// <summary>
/// One split of <see cref="EvalJson"/>: its name, folder, downscale and centre crop (null: whole images), its images,
/// curves and BD-rates (every figure of a split is on that split's images only).
/// </summary>
internal sealed record EvalSplitJson(
    string Name,
    string Directory,
    int Downscale,
    int? Crop,
    IReadOnlyList<EvalImageJson> Images,
    IReadOnlyList<EvalCurveJson> Curves,
    [property: JsonPropertyName("bd_rate")] IReadOnlyList<EvalBdRateJson> BdRate);

/// <summary><c>nic eval --json</c>: one entry per split, in the order asked.</summary>
internal sealed record EvalJson(IReadOnlyList<EvalSplitJson> Splits);

/// <summary>One case of <see cref="ConformanceJson"/>; max_error and psnr_db are left out where the case has none, psnr_db is "inf" for identical pixels.</summary>
internal sealed record ConformanceCaseJson(
    string Name,
    string Kind,
    string Result,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(DecibelsConverter))] double? PsnrDb);

/// <summary><c>nic conformance --json</c>.</summary>
internal sealed record ConformanceJson(string Backend, int Passed, int Failed, IReadOnlyList<ConformanceCaseJson> Cases);

/// <summary>One index range of <see cref="BenchCoderJson"/>.</summary>
internal sealed record BenchCoderRangeJson(
    string Range,
    double EncodeMsymS,
    double DecodeMsymS,
    double BitsPerSymbol,
    double IdealBitsPerSymbol,
    double OverheadPct,
    double ReferenceCompressaiEncodeMsymS,
    double ReferenceCompressaiDecodeMsymS);

/// <summary>One item of <see cref="BenchMetadataJson"/>: its raw length, the chunk and payload length a .nic file stores, each coder's output length.</summary>
internal sealed record BenchMetadataItemJson(string Source, string Kind, int Bytes, string Chunk, int StoredBytes, IReadOnlyDictionary<string, int> CodedBytes);

/// <summary>The items of one kind (icc, exif, xmp) of <see cref="BenchMetadataJson"/>, summed.</summary>
/// <param name="CompressMs">Each coder's compression time of these items: the sum of each item's median of 3 runs, in milliseconds.</param>
internal sealed record BenchMetadataTotalJson(string Kind, int Items, long Bytes, long StoredBytes, IReadOnlyDictionary<string, long> CodedBytes, IReadOnlyDictionary<string, double> CompressMs);

/// <summary><c>nic bench metadata --json</c>.</summary>
internal sealed record BenchMetadataJson(string Benchmark, IReadOnlyList<BenchMetadataItemJson> Items, IReadOnlyList<BenchMetadataTotalJson> Totals);

/// <summary><c>nic bench coder --json</c>.</summary>
internal sealed record BenchCoderJson(string Benchmark, int Symbols, int Runs, int Threads, IReadOnlyList<BenchCoderRangeJson> Results);

/// <summary>
/// One arithmetic and thread count of <see cref="BenchTransformsJson"/>: median seconds of each transform, and each
/// layer's median seconds, achieved multiply-adds per second and share of the FMA peak of the same thread count.
/// </summary>
internal sealed record BenchTransformsRunJson(
    string Arithmetic,
    int Threads,
    [property: JsonPropertyName("g_a_s")] double GaS,
    [property: JsonPropertyName("h_a_s")] double HaS,
    [property: JsonPropertyName("h_s_s")] double HsS,
    [property: JsonPropertyName("g_s_s")] double GsS,
    double ReferenceCompressaiDecodeS,
    IReadOnlyList<BenchTransformsLayerJson> Layers);

/// <summary>One layer of a <see cref="BenchTransformsRunJson"/>.</summary>
internal sealed record BenchTransformsLayerJson(
    string Name,
    string Kind,
    long MultiplyAdds,
    double Seconds,
    [property: JsonPropertyName("gmac_per_s")] double GmacPerS,
    double ShareOfPeak);

/// <summary>The measured multiply-add peak (<c>FmaPeak</c>) for one thread count, in 10⁹ multiply-adds per second.</summary>
internal sealed record BenchFmaPeakJson(int Threads, [property: JsonPropertyName("gmac_per_s")] double GmacPerS);

/// <summary><c>nic bench transforms --json</c>.</summary>
internal sealed record BenchTransformsJson(
    string Benchmark,
    string Model,
    int Width,
    int Height,
    int VectorBits,
    IReadOnlyList<BenchFmaPeakJson> FmaPeak,
    IReadOnlyList<BenchTransformsRunJson> Runs,
    [property: JsonPropertyName("peak_memory_mb_12mp")] double? PeakMemoryMb12Mp,
    int MemoryWidth,
    int MemoryHeight);

/// <summary><c>nic bench codec --json</c>.</summary>
internal sealed record BenchCodecJson(
    string Benchmark,
    string Image,
    int Width,
    int Height,
    double Megapixels,
    string Model,
    int RatePoint,
    string Backend,
    int Threads,
    int Runs,
    double EncodeS,
    double DecodeS,
    double? PeakMemoryMb,
    double? EncodePeakMemoryMb,
    double? DecodePeakMemoryMb,
    long Bytes,
    double Bpp,
    double PsnrDb,
    [property: JsonPropertyName("reference_compressai_768x512_encode_s")] double? ReferenceEncodeS,
    [property: JsonPropertyName("reference_compressai_768x512_decode_s")] double? ReferenceDecodeS,
    int VectorBits,
    [property: JsonPropertyName("fma_peak_gmac_per_s")] double FmaPeakGmacPerS,
    long? EncodeMultiplyAdds,
    long? DecodeMultiplyAdds,
    [property: JsonPropertyName("encode_gmac_per_s")] double? EncodeGmacPerS,
    [property: JsonPropertyName("decode_gmac_per_s")] double? DecodeGmacPerS,
    double? EncodeShareOfPeak,
    double? DecodeShareOfPeak,
    BenchCodecPeerJson? Peer,
    [property: JsonPropertyName("encode_stages_s")] IReadOnlyDictionary<string, double> EncodeStagesS,
    [property: JsonPropertyName("decode_stages_s")] IReadOnlyDictionary<string, double> DecodeStagesS);

/// <summary>
/// <c>nic-torch bench codec --peer torch</c>: libtorch's transforms alone (TorchSharp on the CPU) on the same model and
/// image, whole frame, timed in turns with Nic (<c>Nic.Cli.Bench.TransformPeer</c>): g_a + h_a as its encode, g_s as its
/// decode; the ratios are Nic's whole encode and decode over them. The PSNR is of g_s(round(y)), a check that the peer
/// runs the model.
/// </summary>
internal sealed record BenchCodecPeerJson(
    string Name,
    string Backend,
    int Threads,
    string Measures,
    double EncodeS,
    double DecodeS,
    double PsnrDb,
    double EncodeRatio,
    double DecodeRatio);

/// <summary>One task count of <see cref="BenchParallelJson"/>.</summary>
internal sealed record BenchParallelPointJson(int Tasks, int RoundTrips, double ImagesPerS, double MedianS, IReadOnlyList<double> RunsS, double SpeedupVsFirst);

/// <summary><c>nic bench parallel --json</c>.</summary>
internal sealed record BenchParallelJson(
    string Benchmark,
    string Image,
    int Width,
    int Height,
    double Megapixels,
    string Model,
    int RatePoint,
    string Backend,
    int ThreadsPerCall,
    int Processors,
    int RoundsPerTask,
    int Runs,
    int Bytes,
    bool Identical,
    IReadOnlyList<BenchParallelPointJson> Results);

/// <summary>Writes a PSNR in dB as a number rounded to 3 decimals, or "inf" when it is infinite (identical pixels).</summary>
internal sealed class DecibelsConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.GetString() == "inf" ? double.PositiveInfinity : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(Math.Round(value, 3));
        }
        else
        {
            writer.WriteStringValue("inf");
        }
    }
}
