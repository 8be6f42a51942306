using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Nic.Format;

namespace Nic.Codec.Models;

/// <summary>
/// A variable-rate model file (spec/nic-model.md §11, <c>format_version</c> 2): the weights a family of rate points
/// shares, once; for each trained point the tensors that differ between points (those the point's per-channel gains
/// were folded into) and the gain vectors; so any rate between the first and the last point by interpolating the
/// gains log-linearly. Each trained point rebuilds, byte for byte, the fixed-rate model file (§2) it was trained as,
/// verified by that file's SHA-256 on load, so <c>.nic</c> files coded with the fixed-rate files still decode.
/// Immutable and thread-safe.
/// </summary>
public sealed class NicModelFamily
{
    /// <summary>Interpolation steps per interval between two trained points: rate positions are multiples of 1/64 (§11.3).</summary>
    public const int StepsPerInterval = 64;

    /// <summary>The λ of quality 0 on Nic's quality scale (CompressAI's quality 1).</summary>
    public const double LambdaAtQualityZero = 0.0018;

    /// <summary>The λ of quality 100 on Nic's quality scale (CompressAI's quality 8): 100 times <see cref="LambdaAtQualityZero"/>.</summary>
    public const double LambdaAtQualityHundred = 0.18;

    private readonly ModelFamilyParser.Contents _contents;

    private NicModelFamily(ModelFamilyParser.Contents contents, byte[] sha256)
    {
        _contents = contents;
        Id = new NicModelId(contents.Name, sha256);
        Points = contents.Points.Select(p => p.Model).ToArray();
    }

    /// <summary>The family's registry name (metadata key <c>name</c>), which <c>.nic</c> files coded at an interpolated rate name.</summary>
    public string Name => _contents.Name;

    /// <summary>The file's identity: the family name and the SHA-256 of the whole file.</summary>
    public NicModelId Id { get; }

    /// <summary>The architecture every point shares.</summary>
    public ModelArchitecture Architecture => Points[0].Architecture;

    /// <summary>The hyper-parameters every point shares.</summary>
    public ModelHyperParameters HyperParameters => Points[0].HyperParameters;

    /// <summary>The trained points by rising λ, each the fixed-rate model file it rebuilds (its name and SHA-256 are those of that file).</summary>
    public IReadOnlyList<NicModelFile> Points { get; }

    /// <summary>The highest rate position: one less than the number of trained points.</summary>
    public int MaxPosition => Points.Count - 1;

    /// <summary>The quality (0–100 scale) of the lowest trained point.</summary>
    public double MinQuality => QualityForLambda(Points[0].Lambda);

    /// <summary>The quality (0–100 scale) of the highest trained point.</summary>
    public double MaxQuality => QualityForLambda(Points[^1].Lambda);

    /// <summary>Every metadata entry of the family file.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _contents.Metadata;

    /// <summary>Loads and validates a variable-rate model file from disk.</summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelNotFound"/>, <see cref="NicCodecError.ModelFileCorrupt"/> or <see cref="NicCodecError.ModelArchitectureMismatch"/>.</exception>
    public static NicModelFamily Load(string path, long maxLength = -1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(SafetensorsReader.ReadFile(path, maxLength < 0 ? NicModelFile.DefaultMaxFileLength : maxLength));
    }

    /// <summary>Loads and validates a variable-rate model file held in memory.</summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelFileCorrupt"/> or <see cref="NicCodecError.ModelArchitectureMismatch"/>.</exception>
    public static NicModelFamily Load(ReadOnlyMemory<byte> file) =>
        new(ModelFamilyParser.Parse(SafetensorsReader.Parse(file)), SHA256.HashData(file.Span));

    /// <summary>Whether a model file's metadata declares a variable-rate file (format_version 2) rather than a fixed-rate one.</summary>
    public static bool IsFamilyFile(ReadOnlyMemory<byte> file) => ModelFamilyParser.IsFamily(SafetensorsReader.Parse(file).Metadata);

    /// <summary>λ on Nic's quality scale: λ = 0.0018 · 100^(quality / 100), log-linear along CompressAI's λ ladder (quality 0 is its quality 1, 100 its quality 8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The quality is not a finite number in 0 … 100.</exception>
    public static double LambdaForQuality(double quality)
    {
        if (!(quality >= 0 && quality <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "a quality is a number from 0 to 100");
        }

        return LambdaAtQualityZero * Math.Pow(LambdaAtQualityHundred / LambdaAtQualityZero, quality / 100);
    }

    /// <summary>The quality of a λ on Nic's scale (the inverse of <see cref="LambdaForQuality"/>; outside 0 … 100 for λ outside 0.0018 … 0.18).</summary>
    public static double QualityForLambda(double lambda) =>
        100 * Math.Log(lambda / LambdaAtQualityZero) / Math.Log(LambdaAtQualityHundred / LambdaAtQualityZero);

    /// <summary>
    /// The rate position of a λ: between the trained points whose λ enclose it, log-linear in λ, rounded to the nearest
    /// 1/64; clamped to the first and the last point.
    /// </summary>
    public double PositionForLambda(double lambda)
    {
        if (!(lambda > 0) || double.IsPositiveInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a positive finite number");
        }

        if (lambda <= Points[0].Lambda)
        {
            return 0;
        }

        for (int i = 0; i < MaxPosition; i++)
        {
            double low = Points[i].Lambda, high = Points[i + 1].Lambda;
            if (lambda <= high)
            {
                double t = Math.Log(lambda / low) / Math.Log(high / low);
                return i + (Math.Round(t * StepsPerInterval) / StepsPerInterval);
            }
        }

        return MaxPosition;
    }

    /// <summary>The rate position of a quality (0–100) on Nic's scale: <see cref="PositionForLambda"/> of <see cref="LambdaForQuality"/>.</summary>
    public double PositionForQuality(double quality) => PositionForLambda(LambdaForQuality(quality));

    /// <summary>The λ a rate position stands for: log-linear between the enclosing trained points (informative).</summary>
    public double LambdaAt(double position)
    {
        (int interval, int step) = CheckPosition(position);
        if (step == 0)
        {
            return Points[interval].Lambda;
        }

        double low = Points[interval].Lambda, high = Points[interval + 1].Lambda;
        return low * Math.Pow(high / low, step / (double)StepsPerInterval);
    }

    /// <summary>Whether a rate position is valid for this family: a multiple of 1/64 from 0 to <see cref="MaxPosition"/>.</summary>
    public bool IsValidPosition(double position) => TryPosition(position, out _, out _);

    /// <summary>
    /// The fixed-rate model at a rate position (§11.3): at a whole position the trained point itself (the fixed-rate
    /// file it rebuilds); between two points the first point's file with its gained tensors scaled channel by channel
    /// by the interpolated gain ratio. Building one takes a copy of the model's tensors; the caller caches it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not a multiple of 1/64 from 0 to <see cref="MaxPosition"/>.</exception>
    public NicModelFile AtPosition(double position)
    {
        (int interval, int step) = CheckPosition(position);
        return step == 0 ? Points[interval] : ModelFamilyParser.Interpolate(_contents, interval, step, Id);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Architecture.Identifier} family {Id}, {Points.Count} rate points";

    private (int Interval, int Step) CheckPosition(double position) =>
        TryPosition(position, out int interval, out int step)
            ? (interval, step)
            : throw new ArgumentOutOfRangeException(nameof(position), position, $"a rate position of family '{Name}' is a multiple of 1/{StepsPerInterval} from 0 to {MaxPosition}");

    private bool TryPosition(double position, out int interval, out int step)
    {
        interval = step = 0;
        double scaled = position * StepsPerInterval;
        if (!(position >= 0 && position <= MaxPosition) || scaled != Math.Floor(scaled))
        {
            return false;
        }

        long steps = (long)scaled;
        interval = (int)(steps / StepsPerInterval);
        step = (int)(steps % StepsPerInterval);
        if (interval == MaxPosition)
        {
            // The last point is a whole position with no interval above it.
            interval = MaxPosition;
            step = 0;
        }

        return true;
    }
}

/// <summary>Reads, validates and interpolates variable-rate model files (spec/nic-model.md §11).</summary>
internal static class ModelFamilyParser
{
    /// <summary>The prefix of a trained point's own copy of a gained tensor: <c>points.{index}.{tensor}</c>.</summary>
    internal const string PointPrefix = "points.";

    /// <summary>The prefix of a gained layer's gain vectors: <c>gains.{layer}</c>, shape [points, channels].</summary>
    internal const string GainPrefix = "gains.";

    internal sealed record Point(NicModelFile Model, IReadOnlyDictionary<string, string> Metadata);

    internal sealed record Contents(
        string Name,
        IReadOnlyDictionary<string, string> Metadata,
        IReadOnlyList<SafetensorsWriter.Tensor> Shared,
        IReadOnlyList<string> GainedTensors,
        IReadOnlyDictionary<string, byte[]>[] PointTensors,
        IReadOnlyDictionary<string, SafetensorsDataType>[] PointTypes,
        IReadOnlyDictionary<string, int[]> GainedShapes,
        IReadOnlyDictionary<string, float[]> Gains,
        IReadOnlyList<Point> Points,
        IReadOnlyDictionary<string, ModelFileParser.DecodedTensor> DecodedShared);

    /// <summary>The layer a gained tensor belongs to: its name without the last component (<c>g_a.6</c> of <c>g_a.6.weight</c>).</summary>
    internal static string LayerOf(string tensor) => tensor[..tensor.LastIndexOf('.')];

    /// <summary>
    /// A trained point as the family file's metadata declares it (spec/nic-model.md §11.1): the fixed-rate file it
    /// rebuilds, by name and SHA-256, and what that file's metadata says of its family, rate point, λ and architecture.
    /// </summary>
    internal sealed record DeclaredPoint(string Name, string Sha256, string Family, int RatePoint, double Lambda, string Architecture, Dictionary<string, string> Metadata);

    /// <summary>Whether a model file's metadata declares a variable-rate file (<c>format_version</c> 2) rather than a fixed-rate one.</summary>
    internal static bool IsFamily(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(ModelMetadataKeys.FormatVersion, out string? version) && version == ModelMetadataKeys.FamilyFormatVersionValue;

    /// <summary>
    /// The family's name and its declared trained points, from the metadata alone (no tensor is read): checks the
    /// format, the version, the name and the <c>rate_points</c> list, and that the points belong to this family, share
    /// one architecture and come by rising λ (which the points' rebuilt files confirm when the file is loaded).
    /// </summary>
    internal static (string Name, IReadOnlyList<DeclaredPoint> Points) ReadDeclaration(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ModelMetadataKeys.Format, out string? format) || format != ModelMetadataKeys.FormatValue)
        {
            throw SafetensorsReader.Corrupt($"metadata 'format' is {(format is null ? "missing" : $"'{format}'")}; a Nic model file says '{ModelMetadataKeys.FormatValue}'");
        }

        if (!metadata.TryGetValue(ModelMetadataKeys.FormatVersion, out string? version) || version != ModelMetadataKeys.FamilyFormatVersionValue)
        {
            throw SafetensorsReader.Corrupt($"metadata 'format_version' is {(version is null ? "missing" : $"'{version}'")}; a variable-rate model file is version {ModelMetadataKeys.FamilyFormatVersionValue}");
        }

        string name = metadata.TryGetValue(ModelMetadataKeys.Name, out string? n) ? n : throw Mismatch("metadata 'name' is missing");
        if (!NicModelId.IsValidName(name))
        {
            throw Mismatch($"metadata 'name' is '{name}'; a model name is 1 to 64 characters from a-z 0-9 . _ -");
        }

        List<DeclaredPoint> points = ParsePoints(metadata);
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i].Family != name)
            {
                throw Mismatch($"trained point {i} ('{points[i].Name}') belongs to family '{points[i].Family}', not '{name}'");
            }

            if (i > 0 && !(points[i].Lambda > points[i - 1].Lambda))
            {
                throw Mismatch($"trained points must be ordered by rising λ; point {i} has λ {points[i].Lambda} after {points[i - 1].Lambda}");
            }

            if (points[i].Architecture != points[0].Architecture)
            {
                throw Mismatch($"trained point {i} is {points[i].Architecture}; point 0 is {points[0].Architecture}");
            }
        }

        return (name, points);
    }

    internal static Contents Parse(SafetensorsFile file)
    {
        IReadOnlyDictionary<string, string> metadata = file.Metadata;
        (string name, IReadOnlyList<DeclaredPoint> declared) = ReadDeclaration(metadata);
        int count = declared.Count;

        var shared = new List<SafetensorsWriter.Tensor>();
        var pointTensors = new Dictionary<string, byte[]>[count];
        var pointTypes = new Dictionary<string, SafetensorsDataType>[count];
        for (int i = 0; i < count; i++)
        {
            pointTensors[i] = new(StringComparer.Ordinal);
            pointTypes[i] = new(StringComparer.Ordinal);
        }

        var gainEntries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var gainedShapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in file.Entries)
        {
            if (entry.Name.StartsWith(PointPrefix, StringComparison.Ordinal))
            {
                string rest = entry.Name[PointPrefix.Length..];
                int dot = rest.IndexOf('.');
                if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= count || rest[..dot] != index.ToString(CultureInfo.InvariantCulture))
                {
                    throw Mismatch($"tensor '{entry.Name}' names no trained point (the file has {count}: points.0 … points.{count - 1})");
                }

                string tensor = rest[(dot + 1)..];
                if (entry.DataType == SafetensorsDataType.I32)
                {
                    throw Mismatch($"tensor '{entry.Name}' is I32; only float tensors can carry gains");
                }

                if (gainedShapes.TryGetValue(tensor, out int[]? shape) && !shape.AsSpan().SequenceEqual(entry.Shape))
                {
                    throw Mismatch($"tensor '{entry.Name}' has the shape {ModelTensor.FormatShape(entry.Shape)}; the other points' copies have {ModelTensor.FormatShape(shape)}");
                }

                gainedShapes[tensor] = entry.Shape;
                pointTensors[index][tensor] = file.GetBytes(entry).ToArray();
                pointTypes[index][tensor] = entry.DataType;
            }
            else if (entry.Name.StartsWith(GainPrefix, StringComparison.Ordinal))
            {
                gainEntries[entry.Name[GainPrefix.Length..]] = entry;
            }
            else
            {
                shared.Add(new SafetensorsWriter.Tensor(entry.Name, entry.DataType, entry.Shape, file.GetBytes(entry).ToArray()));
            }
        }

        string[] gained = gainedShapes.Keys.Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < count; i++)
        {
            string? missing = gained.FirstOrDefault(t => !pointTensors[i].ContainsKey(t));
            if (missing is not null)
            {
                throw Mismatch($"tensor '{PointPrefix}{i}.{missing}' is missing: every trained point has its own copy of each gained tensor");
            }
        }

        string? clash = gained.FirstOrDefault(t => shared.Any(s => s.Name == t));
        if (clash is not null)
        {
            throw Mismatch($"tensor '{clash}' is both shared and gained");
        }

        var gains = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (IGrouping<string, string> layer in gained.GroupBy(LayerOf))
        {
            int channels = gainedShapes[layer.First()][0];
            if (layer.Any(t => gainedShapes[t].Length == 0 || gainedShapes[t][0] != channels))
            {
                throw Mismatch($"the gained tensors of layer '{layer.Key}' do not share their first dimension");
            }

            if (!gainEntries.Remove(layer.Key, out SafetensorsEntry? entry))
            {
                throw Mismatch($"tensor '{GainPrefix}{layer.Key}' is missing: a gained layer needs its gain vectors");
            }

            if (entry.DataType != SafetensorsDataType.F32 || entry.Shape.Length != 2 || entry.Shape[0] != count || entry.Shape[1] != channels)
            {
                throw Mismatch($"tensor '{GainPrefix}{layer.Key}' is {SafetensorsEntry.DataTypeName(entry.DataType)} {ModelTensor.FormatShape(entry.Shape)}; expected F32 [{count}, {channels}]");
            }

            ReadOnlySpan<byte> bytes = file.GetBytes(entry);
            var values = new float[count * channels];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                if (!float.IsFinite(values[i]) || values[i] <= 0)
                {
                    throw Mismatch($"tensor '{GainPrefix}{layer.Key}' holds {values[i]}; gains are positive finite numbers");
                }
            }

            gains[layer.Key] = values;
        }

        if (gainEntries.Count > 0)
        {
            throw Mismatch($"tensor '{GainPrefix}{gainEntries.Keys.First()}' belongs to no gained layer");
        }

        // Every trained point rebuilds its fixed-rate file, which must load (§2–§6) and have the SHA-256 the family declares.
        var points = new List<Point>(count);
        // The shared tensors as the first point decodes them, which every other point and interpolated model takes
        // instead of decoding the same bytes again.
        var decodedShared = new Dictionary<string, ModelFileParser.DecodedTensor>(StringComparer.Ordinal);
        var contents = new Contents(name, metadata, shared, gained, pointTensors, pointTypes, gainedShapes, gains, points, decodedShared);
        for (int i = 0; i < count; i++)
        {
            byte[] bytes = SafetensorsWriter.Write(declared[i].Metadata, PointFileTensors(contents, i));
            NicModelFile model = NicModelFile.Load(bytes, contents.DecodedShared);
            if (!string.Equals(model.Id.Sha256Hex, declared[i].Sha256, StringComparison.Ordinal) || model.Name != declared[i].Name)
            {
                throw Corrupt($"trained point {i} rebuilds model '{model.Name}' with sha256 {model.Id.Sha256Hex}, but the family declares '{declared[i].Name}' with sha256 {declared[i].Sha256}");
            }

            // Its family and λ are the declared point's metadata, which ReadDeclaration checked.
            if (i > 0 && (model.Architecture != points[0].Model.Architecture || model.HyperParameters != points[0].Model.HyperParameters))
            {
                throw Mismatch($"trained point {i} is {model.Architecture} {model.HyperParameters}; point 0 is {points[0].Model.Architecture} {points[0].Model.HyperParameters}");
            }

            if (i > 0)
            {
                model.ShareTensorsWith(points[0].Model);
            }
            else
            {
                foreach (SafetensorsWriter.Tensor tensor in shared)
                {
                    if (model.TryGetTensor(tensor.Name, out ModelTensor? decoded))
                    {
                        decodedShared.Add(tensor.Name, new ModelFileParser.DecodedTensor(tensor, decoded));
                    }
                }
            }

            points.Add(new Point(model, declared[i].Metadata));
        }

        return contents;
    }

    /// <summary>The tensors of trained point <paramref name="index"/>'s fixed-rate file: the shared ones and the point's own copies under their plain names.</summary>
    internal static IEnumerable<SafetensorsWriter.Tensor> PointFileTensors(Contents contents, int index) =>
        contents.Shared.Concat(contents.GainedTensors.Select(t =>
            new SafetensorsWriter.Tensor(t, contents.PointTypes[index][t], contents.GainedShapes[t], contents.PointTensors[index][t])));

    /// <summary>
    /// The model at <paramref name="interval"/> + <paramref name="step"/>/64 (§11.3): point <paramref name="interval"/>'s
    /// gained tensors, each element of channel c times f_c = ρ_c^(step/64) with ρ_c = g(interval + 1, c) / g(interval, c),
    /// all in binary64 with the root chain of §11.3, rounded once to binary32.
    /// </summary>
    internal static NicModelFile Interpolate(Contents contents, int interval, int step, NicModelId familyId)
    {
        int count = contents.Points.Count;
        var tensors = contents.Shared.ToList();
        foreach (string name in contents.GainedTensors)
        {
            float[] gains = contents.Gains[LayerOf(name)];
            int channels = gains.Length / count;
            int[] shape = contents.GainedShapes[name];
            byte[] source = contents.PointTensors[interval][name];
            bool half = contents.PointTypes[interval][name] == SafetensorsDataType.F16;
            int elements = source.Length / (half ? 2 : 4);
            int perChannel = elements / channels;
            float[] weights = half ? new float[elements] : ModelFileParser.ReadLittleEndian<float>(source);
            if (half)
            {
                ModelFileParser.HalvesToSingles(source, weights);
            }

            var bytes = new byte[checked(elements * 4)];
            for (int c = 0; c < channels; c++)
            {
                double factor = GainFactor(gains[(interval * channels) + c], gains[((interval + 1) * channels) + c], step);
                for (int e = c * perChannel; e < (c + 1) * perChannel; e++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * e), (float)(weights[e] * factor));
                }
            }

            tensors.Add(new SafetensorsWriter.Tensor(name, SafetensorsDataType.F32, shape, bytes));
        }

        IReadOnlyDictionary<string, string> low = contents.Points[interval].Metadata;
        double lowLambda = contents.Points[interval].Model.Lambda, highLambda = contents.Points[interval + 1].Model.Lambda;
        double position = interval + (step / (double)NicModelFamily.StepsPerInterval);
        var metadata = new Dictionary<string, string>(low, StringComparer.Ordinal)
        {
            [ModelMetadataKeys.Name] = contents.Name,
            [ModelMetadataKeys.Lambda] = (lowLambda * Math.Pow(highLambda / lowLambda, step / (double)NicModelFamily.StepsPerInterval)).ToString("R", CultureInfo.InvariantCulture),
            [ModelMetadataKeys.RatePosition] = position.ToString("R", CultureInfo.InvariantCulture),
        };
        metadata.Remove(ModelMetadataKeys.Training);
        NicModelFile model = NicModelFile.Load(SafetensorsWriter.Write(metadata, tensors), contents.DecodedShared);
        model.ShareTensorsWith(contents.Points[interval].Model);
        model.SetFamilyRate(familyId, (float)position);
        return model;
    }

    /// <summary>
    /// f = ρ^(step/64) with ρ = high / low, exactly as §11.3 defines it so that every machine gets the same bits: the
    /// binary64 roots r₁ = √ρ, r₂ = √r₁ … r₆ = √r₅, and f the product, from 1 in order j = 1 … 6, of the r_j whose bit
    /// 2^(6−j) is set in <paramref name="step"/>; every operation is one correctly rounded binary64 operation.
    /// </summary>
    internal static double GainFactor(float low, float high, int step)
    {
        double root = (double)high / low;
        double factor = 1;
        for (int bit = NicModelFamily.StepsPerInterval / 2; bit >= 1; bit /= 2)
        {
            root = Math.Sqrt(root);
            if ((step & bit) != 0)
            {
                factor *= root;
            }
        }

        return factor;
    }

    private static List<DeclaredPoint> ParsePoints(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ModelMetadataKeys.RatePoints, out string? text))
        {
            throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}' is missing: a variable-rate file lists its trained points");
        }

        var points = new List<DeclaredPoint>();
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}' is not a JSON array");
            }

            foreach (JsonElement point in document.RootElement.EnumerateArray())
            {
                if (point.ValueKind != JsonValueKind.Object
                    || !point.TryGetProperty("name", out JsonElement pointName) || pointName.ValueKind != JsonValueKind.String
                    || !point.TryGetProperty("sha256", out JsonElement sha) || sha.ValueKind != JsonValueKind.String
                    || !point.TryGetProperty("metadata", out JsonElement pointMetadata) || pointMetadata.ValueKind != JsonValueKind.Object)
                {
                    throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}': each point is an object with the strings 'name' and 'sha256' and the object 'metadata'");
                }

                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty property in pointMetadata.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String || !values.TryAdd(property.Name, property.Value.GetString()!))
                    {
                        throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}': point '{pointName.GetString()}' has a metadata value that is not a string, or a duplicated key ('{property.Name}')");
                    }
                }

                string hash = sha.GetString()!;
                if (hash.Length != 64 || !hash.All(ch => char.IsAsciiDigit(ch) || ch is >= 'a' and <= 'f'))
                {
                    throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}': point '{pointName.GetString()}' has the sha256 '{hash}'; expected 64 lower-case hexadecimal digits");
                }

                string declaredName = pointName.GetString()!;
                if (!NicModelId.IsValidName(declaredName))
                {
                    throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}': the point name '{declaredName}' is not a model name (1 to 64 characters from a-z 0-9 . _ -)");
                }

                points.Add(new DeclaredPoint(
                    declaredName,
                    hash,
                    values.TryGetValue(ModelMetadataKeys.Family, out string? family) ? family : declaredName,
                    ModelFileParser.ParseRatePoint(values),
                    ModelFileParser.ParseLambda(values),
                    values.TryGetValue(ModelMetadataKeys.Architecture, out string? architecture) ? architecture : throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}': point '{declaredName}' has no '{ModelMetadataKeys.Architecture}'"),
                    values));
            }
        }
        catch (JsonException e)
        {
            throw Mismatch($"metadata '{ModelMetadataKeys.RatePoints}' is not a JSON document: {e.Message}");
        }

        if (points.Count < 2 || points.Count > 64)
        {
            throw Mismatch($"a variable-rate file has 2 to 64 trained points, not {points.Count}");
        }

        return points;
    }

    internal static NicCodecException Mismatch(string message) => new(NicCodecError.ModelArchitectureMismatch, message);

    private static NicCodecException Corrupt(string message) => new(NicCodecError.ModelFileCorrupt, message);
}
