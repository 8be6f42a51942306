using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using Nic.Codec.Entropy;
using Nic.Format;

namespace Nic.Codec.Models;

/// <summary>
/// Turns a parsed safetensors file into the parts of a <see cref="NicModelFile"/>: it reads the metadata
/// (spec/nic-model.md §3), checks the tensors against the architecture (§4), checks the GDN constants (§5) and
/// validates and builds the entropy tables (§6).
/// </summary>
internal static class ModelFileParser
{
    /// <summary>The parts of a loaded model file.</summary>
    internal sealed record Contents(
        ModelArchitecture Architecture,
        ModelHyperParameters HyperParameters,
        string Name,
        double Lambda,
        int RatePoint,
        ModelDistortion Distortion,
        IReadOnlyDictionary<string, string> Metadata,
        Dictionary<string, ModelTensor> Tensors,
        ModelEntropyTableSet Tables);

    /// <summary>The entropy tables of a model, each null when the architecture has none.</summary>
    internal sealed record ModelEntropyTableSet(
        QuantizedCdfTables? EntropyBottleneck,
        float[] EntropyBottleneckMedians,
        QuantizedCdfTables? GaussianConditional,
        float[] ScaleTable,
        QuantizedCdfTables? Prior);

    /// <summary>A tensor already decoded from <paramref name="Source"/>'s bytes: a file that holds the same bytes under the same name, type and shape takes it instead of decoding them again.</summary>
    internal sealed record DecodedTensor(SafetensorsWriter.Tensor Source, ModelTensor Tensor);

    /// <param name="file">The whole file.</param>
    /// <param name="decoded">Tensors decoded before from the same bytes (a family's shared tensors, for its other points), by name; null for none.</param>
    internal static Contents Parse(ReadOnlyMemory<byte> file, IReadOnlyDictionary<string, DecodedTensor>? decoded = null)
    {
        SafetensorsFile safetensors = SafetensorsReader.Parse(file);
        IReadOnlyDictionary<string, string> metadata = safetensors.Metadata;
        CheckFormat(metadata);

        string architectureName = Require(metadata, ModelMetadataKeys.Architecture);
        if (!ModelArchitecture.TryParse(architectureName, out ModelArchitecture? architecture))
        {
            throw Mismatch($"unknown architecture '{architectureName}'; known: {string.Join(", ", ModelArchitecture.All.Select(a => a.Identifier))}");
        }

        string name = Require(metadata, ModelMetadataKeys.Name);
        if (!NicModelId.IsValidName(name))
        {
            throw Mismatch($"metadata 'name' is '{name}'; a model name is 1 to 64 characters from a-z 0-9 . _ -");
        }

        ModelHyperParameters hyperParameters = architecture.ReadHyperParameters(key => ParseCount(metadata, key));
        string? problem = architecture.CheckHyperParameters(hyperParameters);
        if (problem is not null)
        {
            throw Mismatch(problem);
        }

        double lambda = ParseLambda(metadata);
        int ratePoint = ParseRatePoint(metadata);
        ModelDistortion distortion = Require(metadata, ModelMetadataKeys.Distortion) switch
        {
            "mse" => ModelDistortion.Mse,
            "mae" => ModelDistortion.Mae,
            var other => throw Mismatch($"metadata 'distortion' is '{other}'; it must be 'mse' or 'mae'"),
        };
        CheckTraining(metadata);
        if (metadata.TryGetValue(ModelMetadataKeys.Family, out string? family) && !NicModelId.IsValidName(family))
        {
            throw Mismatch($"metadata 'family' is '{family}'; a family name is 1 to 64 characters from a-z 0-9 . _ -");
        }

        Dictionary<string, ModelTensor> tensors = ReadTensors(safetensors, architecture.GetTensors(hyperParameters), decoded);
        CheckGdnConstants(tensors);
        ModelEntropyTableSet tables = ReadTables(architecture, hyperParameters, tensors);
        return new Contents(architecture, hyperParameters, name, lambda, ratePoint, distortion, metadata, tensors, tables);
    }

    private static void CheckFormat(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ModelMetadataKeys.Format, out string? format) || format != ModelMetadataKeys.FormatValue)
        {
            throw SafetensorsReader.Corrupt($"metadata 'format' is {(format is null ? "missing" : $"'{format}'")}; a Nic model file says '{ModelMetadataKeys.FormatValue}'");
        }

        if (ModelFamilyParser.IsFamily(metadata))
        {
            throw SafetensorsReader.Corrupt($"this is a variable-rate model file (format_version {ModelMetadataKeys.FamilyFormatVersionValue}, spec/nic-model.md §11): load it as a NicModelFamily, which gives a fixed-rate model at each rate");
        }

        if (!metadata.TryGetValue(ModelMetadataKeys.FormatVersion, out string? version) || version != ModelMetadataKeys.FormatVersionValue)
        {
            throw SafetensorsReader.Corrupt($"metadata 'format_version' is {(version is null ? "missing" : $"'{version}'")}; this reader understands version {ModelMetadataKeys.FormatVersionValue}");
        }
    }

    private static string Require(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out string? value) ? value : throw Mismatch($"metadata '{key}' is missing");

    private static int ParseCount(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (ModelMetadataKeys.OptionalCounts.Contains(key) && !metadata.ContainsKey(key))
        {
            return 0;
        }

        string text = Require(metadata, key);
        if (text.Length is < 1 or > 9 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
        {
            throw Mismatch($"metadata '{key}' is '{text}'; it must be a decimal integer without sign or leading zeros");
        }

        return int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    internal static double ParseLambda(IReadOnlyDictionary<string, string> metadata)
    {
        string text = Require(metadata, ModelMetadataKeys.Lambda);
        if (text.Length > 64 || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double lambda) || !double.IsFinite(lambda) || lambda <= 0)
        {
            throw Mismatch($"metadata 'lambda' is '{text}'; it must be a positive finite decimal number");
        }

        return lambda;
    }

    internal static int ParseRatePoint(IReadOnlyDictionary<string, string> metadata)
    {
        string text = Require(metadata, ModelMetadataKeys.RatePoint);
        if (text.Length > 11 || !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int ratePoint))
        {
            throw Mismatch($"metadata 'rate_point' is '{text}'; it must be a decimal 32-bit integer");
        }

        return ratePoint;
    }

    private static void CheckTraining(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ModelMetadataKeys.Training, out string? training))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(training, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw Mismatch($"metadata 'training' is not a JSON document: {e.Message}");
        }
    }

    private static Dictionary<string, ModelTensor> ReadTensors(SafetensorsFile file, IReadOnlyList<ModelTensorSpec> specs, IReadOnlyDictionary<string, DecodedTensor>? decoded)
    {
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in file.Entries)
        {
            entries.Add(entry.Name, entry);
        }

        var specByName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in file.Entries)
        {
            if (!specByName.ContainsKey(entry.Name))
            {
                throw Mismatch($"unexpected tensor '{entry.Name}' {ModelTensor.FormatShape(entry.Shape)}: the architecture has no such tensor");
            }
        }

        var tensors = new Dictionary<string, ModelTensor>(StringComparer.Ordinal);
        foreach (ModelTensorSpec spec in specs)
        {
            if (!entries.TryGetValue(spec.Name, out SafetensorsEntry? entry))
            {
                if (spec.Required)
                {
                    throw Mismatch($"tensor '{spec.Name}' is missing; expected {spec.ElementType} {spec.FormatShape()}");
                }

                continue;
            }

            bool typeMatches = spec.ElementType == ModelTensorType.Int32
                ? entry.DataType == SafetensorsDataType.I32
                : entry.DataType != SafetensorsDataType.I32;
            if (!typeMatches)
            {
                throw Mismatch($"tensor '{spec.Name}' has the data type {SafetensorsEntry.DataTypeName(entry.DataType)}; expected {(spec.ElementType == ModelTensorType.Int32 ? "I32" : "F32 or F16")}");
            }

            if (!spec.Matches(entry.Shape))
            {
                throw Mismatch($"tensor '{spec.Name}' has the shape {ModelTensor.FormatShape(entry.Shape)}; expected {spec.FormatShape()}");
            }

            ReadOnlySpan<byte> bytes = file.GetBytes(entry);
            tensors.Add(
                spec.Name,
                decoded is not null && decoded.TryGetValue(spec.Name, out DecodedTensor? known) && known.Source.Name == entry.Name && known.Source.DataType == entry.DataType
                    && known.Source.Shape.AsSpan().SequenceEqual(entry.Shape) && bytes.SequenceEqual(known.Source.Bytes)
                    ? known.Tensor
                    : Decode(entry, bytes));
        }

        return tensors;
    }

    // Optimized from the first call: a command loads its models once, so tiered compilation's first, unoptimized
    // form would run every element of every tensor (about 100 M of the shipped files at each catalog scan).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ModelTensor Decode(SafetensorsEntry entry, ReadOnlySpan<byte> bytes)
    {
        int[] shape = (int[])entry.Shape.Clone();
        switch (entry.DataType)
        {
            case SafetensorsDataType.I32:
                return ModelTensor.FromInt32(entry.Name, shape, ReadLittleEndian<int>(bytes));

            case SafetensorsDataType.F16:
            {
                var floats = new float[bytes.Length / 2];
                HalvesToSingles(bytes, floats);

                return CheckFinite(ModelTensor.FromFloat32(entry.Name, shape, floats), floats);
            }

            default:
            {
                float[] floats = ReadLittleEndian<float>(bytes);
                return CheckFinite(ModelTensor.FromFloat32(entry.Name, shape, floats), floats);
            }
        }
    }

    /// <summary>Little-endian 4-byte values (int32 or float32) as an array, in one copy where the machine is little-endian.</summary>
    internal static T[] ReadLittleEndian<T>(ReadOnlySpan<byte> bytes)
        where T : unmanaged
    {
        Debug.Assert(Unsafe.SizeOf<T>() == sizeof(int), "4-byte values only");
        T[] values = MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> words = MemoryMarshal.Cast<T, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }

        return values;
    }

    /// <summary>
    /// Widens little-endian IEEE-754 half-precision values to single precision, exactly as <c>(float)Half</c> does for
    /// every finite value (and to a non-finite value for every infinity and NaN). Eight at a time: a half's exponent and
    /// fraction shifted into a single's fields, times 2¹¹², is the same number (subnormals included; a product by a power
    /// of two is exact), with its sign put back; an all-ones exponent stays all ones.
    /// </summary>
    internal static void HalvesToSingles(ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        int count = bytes.Length / 2;
        int i = 0;
        if (BitConverter.IsLittleEndian && Vector256.IsHardwareAccelerated)
        {
            ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(bytes);
            Span<uint> singles = MemoryMarshal.Cast<float, uint>(destination);
            Vector256<float> scale = Vector256.Create(BitConverter.UInt32BitsToSingle(0x77800000)); // 2^112
            Vector256<uint> magnitude = Vector256.Create(0x7fffu), top = Vector256.Create(0x7c00u), exponent = Vector256.Create(0x7f800000u);
            for (; i + Vector256<uint>.Count <= count; i += Vector256<uint>.Count)
            {
                Vector256<uint> h = Vector256.WidenLower(Vector128.Create(halves.Slice(i, Vector128<ushort>.Count)).ToVector256());
                Vector256<uint> m = h & magnitude;
                Vector256<uint> shifted = m << 13;
                Vector256<uint> finite = (shifted.AsSingle() * scale).AsUInt32();
                Vector256<uint> special = shifted | exponent;
                Vector256<uint> value = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(m, top), special, finite);
                (value | ((h & Vector256.Create(0x8000u)) << 16)).CopyTo(singles.Slice(i, Vector256<uint>.Count));
            }
        }

        for (; i < count; i++)
        {
            destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ModelTensor CheckFinite(ModelTensor tensor, float[] values)
    {
        // A single is finite unless its exponent is all ones: look eight at a time, then find the element to name.
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        Vector256<uint> exponent = Vector256.Create(0x7f800000u);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<uint>.Count <= bits.Length; i += Vector256<uint>.Count)
            {
                if (Vector256.EqualsAny(Vector256.Create(bits.Slice(i, Vector256<uint>.Count)) & exponent, exponent))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw SafetensorsReader.Corrupt($"tensor '{tensor.Name}' element {i} is {values[i]}; model parameters must be finite");
            }
        }

        return tensor;
    }

    private static void CheckGdnConstants(Dictionary<string, ModelTensor> tensors)
    {
        foreach (ModelTensor tensor in tensors.Values)
        {
            float? expected =
                tensor.Name.EndsWith(".beta_reparam.pedestal", StringComparison.Ordinal) || tensor.Name.EndsWith(".gamma_reparam.pedestal", StringComparison.Ordinal) ? GdnParameters.Pedestal
                : tensor.Name.EndsWith(".beta_reparam.lower_bound.bound", StringComparison.Ordinal) ? GdnParameters.BetaBound
                : tensor.Name.EndsWith(".gamma_reparam.lower_bound.bound", StringComparison.Ordinal) ? GdnParameters.GammaBound
                : null;
            if (expected is { } value && tensor.Float32Data.Span[0] != value)
            {
                throw Mismatch($"tensor '{tensor.Name}' holds {tensor.Float32Data.Span[0]:R}; Nic's GDN uses {value:R} (spec/nic-model.md §5)");
            }
        }
    }

    private static ModelEntropyTableSet ReadTables(ModelArchitecture architecture, ModelHyperParameters hyperParameters, Dictionary<string, ModelTensor> tensors)
    {
        QuantizedCdfTables? bottleneck = null, gaussian = null, prior = null;
        float[] medians = [], scales = [];
        if (architecture.HasEntropyBottleneck)
        {
            bottleneck = ReadTableSet(tensors, "entropy_bottleneck.", architecture.EntropyBottleneckChannels(hyperParameters));
            ReadOnlySpan<float> quantiles = tensors["entropy_bottleneck.quantiles"].Float32Data.Span;
            medians = new float[quantiles.Length / 3];
            for (int c = 0; c < medians.Length; c++)
            {
                medians[c] = quantiles[(3 * c) + 1];
            }
        }

        if (architecture.HasGaussianConditional)
        {
            scales = tensors["gaussian_conditional.scale_table"].Float32Data.ToArray();
            for (int i = 0; i < scales.Length; i++)
            {
                if (!(scales[i] > 0) || (i > 0 && !(scales[i] > scales[i - 1])))
                {
                    throw SafetensorsReader.Corrupt($"gaussian_conditional.scale_table entry {i} is {scales[i]:R}; scales must be positive and strictly rising");
                }
            }

            gaussian = ReadTableSet(tensors, "gaussian_conditional.", scales.Length);
        }

        int priorDimensions = architecture.PriorDimensions(hyperParameters);
        if (priorDimensions > 0)
        {
            prior = ReadTableSet(tensors, "prior.", priorDimensions);
        }

        return new ModelEntropyTableSet(bottleneck, medians, gaussian, scales, prior);
    }

    /// <summary>Validates one set of <c>_quantized_cdf</c>, <c>_offset</c>, <c>_cdf_length</c> tensors and builds its tables.</summary>
    private static QuantizedCdfTables ReadTableSet(Dictionary<string, ModelTensor> tensors, string prefix, int count)
    {
        ModelTensor cdfTensor = tensors[prefix + "_quantized_cdf"];
        ModelTensor offsetTensor = tensors[prefix + "_offset"];
        ModelTensor lengthTensor = tensors[prefix + "_cdf_length"];
        if (cdfTensor.Shape[0] != count || offsetTensor.Shape[0] != count || lengthTensor.Shape[0] != count)
        {
            throw Mismatch($"{prefix}_quantized_cdf {ModelTensor.FormatShape(cdfTensor.Shape)}, {prefix}_offset {ModelTensor.FormatShape(offsetTensor.Shape)} and {prefix}_cdf_length {ModelTensor.FormatShape(lengthTensor.Shape)} must all have {count} tables");
        }

        int maxLength = cdfTensor.Shape[1];
        ReadOnlySpan<int> flat = cdfTensor.Int32Data.Span;
        ReadOnlySpan<int> offsets = offsetTensor.Int32Data.Span;
        ReadOnlySpan<int> lengths = lengthTensor.Int32Data.Span;
        var cdfs = new int[count][];
        for (int t = 0; t < count; t++)
        {
            int length = lengths[t];
            if (length < 3 || length > maxLength || length > QuantizedCdf.MaxSymbols + 2)
            {
                throw SafetensorsReader.Corrupt($"{prefix}_cdf_length[{t}] is {length}; it must lie in 3 … {Math.Min(maxLength, QuantizedCdf.MaxSymbols + 2)} (Lmax = {maxLength})");
            }

            ReadOnlySpan<int> row = flat.Slice(t * maxLength, maxLength);
            try
            {
                QuantizedCdf.Validate(row[..length]);
            }
            catch (NicCodecException e)
            {
                throw SafetensorsReader.Corrupt($"{prefix}_quantized_cdf row {t}: {e.Message}");
            }

            int padding = row[length..].IndexOfAnyExcept(0);
            if (padding >= 0)
            {
                throw SafetensorsReader.Corrupt($"{prefix}_quantized_cdf row {t} entry {length + padding} is {row[length + padding]}; entries after cdf_length must be 0");
            }

            if ((long)offsets[t] + (length - 2) - 1 > int.MaxValue)
            {
                throw SafetensorsReader.Corrupt($"{prefix}_offset[{t}] = {offsets[t]} puts the table's values beyond the 32-bit range");
            }

            cdfs[t] = row[..length].ToArray();
        }

        return QuantizedCdfTables.FromCdfs(cdfs, offsets);
    }

    private static NicCodecException Mismatch(string message) => new(NicCodecError.ModelArchitectureMismatch, message);
}
