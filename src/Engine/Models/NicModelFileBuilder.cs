using System.Buffers.Binary;
using System.Globalization;
using Nic.Format;

namespace Nic.Codec.Models;

/// <summary>
/// Writes Nic model files (spec/nic-model.md §2.4, §3): set the metadata, add the tensors, then <see cref="Build"/>
/// the bytes (validated by loading them back) or <see cref="Save"/> them atomically.
/// </summary>
public sealed class NicModelFileBuilder
{
    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal)
    {
        ModelMetadataKeys.Format, ModelMetadataKeys.FormatVersion, ModelMetadataKeys.Architecture, ModelMetadataKeys.Name,
        ModelMetadataKeys.N, ModelMetadataKeys.M, ModelMetadataKeys.LatentDimensions, ModelMetadataKeys.ContextSlices,
        ModelMetadataKeys.ContextHidden, ModelMetadataKeys.ContextKernel, ModelMetadataKeys.ContextCheckerboard, ModelMetadataKeys.Lambda,
        ModelMetadataKeys.RatePoint, ModelMetadataKeys.Distortion,
    };

    private readonly Dictionary<string, string> _extraMetadata = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SafetensorsWriter.Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Starts a model file.</summary>
    /// <param name="architecture">The architecture.</param>
    /// <param name="name">The registry name: 1 to 64 characters from <c>a-z 0-9 . _ -</c>.</param>
    /// <param name="hyperParameters">The hyper-parameters, suited to the architecture.</param>
    /// <exception cref="ArgumentException">The name or hyper-parameters are invalid.</exception>
    public NicModelFileBuilder(ModelArchitectureKind architecture, string name, ModelHyperParameters hyperParameters)
    {
        Architecture = ModelArchitecture.Get(architecture);
        if (!Nic.Format.NicModelId.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a model name (1 to 64 characters from a-z 0-9 . _ -)", nameof(name));
        }

        string? problem = Architecture.CheckHyperParameters(hyperParameters);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(hyperParameters));
        }

        Name = name;
        HyperParameters = hyperParameters;
        Distortion = Architecture.DefaultDistortion;
    }

    /// <summary>The architecture.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The registry name.</summary>
    public string Name { get; }

    /// <summary>The hyper-parameters.</summary>
    public ModelHyperParameters HyperParameters { get; }

    /// <summary>The rate–distortion trade-off the model was trained with; must be set to a positive finite value.</summary>
    public double Lambda { get; set; } = double.NaN;

    /// <summary>The model's rate point (e.g. CompressAI quality 1–8).</summary>
    public int RatePoint { get; set; }

    /// <summary>The distortion measure (default: MSE, or MAE for <c>tfc-mnist</c>).</summary>
    public ModelDistortion Distortion { get; set; }

    /// <summary>Sets an optional metadata entry such as <c>training</c> (a JSON document) or <c>description</c>, or any other key.</summary>
    /// <param name="key">The key; the keys the builder writes itself are refused.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public NicModelFileBuilder SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (ReservedKeys.Contains(key))
        {
            throw new ArgumentException($"metadata '{key}' is written from the builder's properties", nameof(key));
        }

        _extraMetadata[key] = value;
        return this;
    }

    /// <summary>Adds (or replaces) a tensor stored as F32.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="data">Its elements, row-major; as many as the shape holds.</param>
    /// <returns>This builder.</returns>
    public NicModelFileBuilder AddFloat32(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> data)
    {
        var bytes = new byte[checked(data.Length * 4)];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), data[i]);
        }

        return Add(name, SafetensorsDataType.F32, shape, data.Length, bytes);
    }

    /// <summary>Adds (or replaces) a tensor stored as F16 (loaded back widened to Float32).</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="data">Its elements, row-major.</param>
    /// <returns>This builder.</returns>
    public NicModelFileBuilder AddFloat16(string name, ReadOnlySpan<int> shape, ReadOnlySpan<Half> data)
    {
        var bytes = new byte[checked(data.Length * 2)];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), data[i]);
        }

        return Add(name, SafetensorsDataType.F16, shape, data.Length, bytes);
    }

    /// <summary>Adds (or replaces) a tensor stored as I32.</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="data">Its elements, row-major.</param>
    /// <returns>This builder.</returns>
    public NicModelFileBuilder AddInt32(string name, ReadOnlySpan<int> shape, ReadOnlySpan<int> data)
    {
        var bytes = new byte[checked(data.Length * 4)];
        for (int i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), data[i]);
        }

        return Add(name, SafetensorsDataType.I32, shape, data.Length, bytes);
    }

    /// <summary>Writes the file and checks it by loading it back.</summary>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Lambda"/> is not set.</exception>
    /// <exception cref="NicCodecException">The tensors do not form a valid model of the architecture.</exception>
    public byte[] Build()
    {
        byte[] file = BuildUnchecked();
        NicModelFile.Load(file);
        return file;
    }

    /// <summary>Writes the file to <paramref name="path"/> atomically: to a temporary file in the same folder, then renamed over the target.</summary>
    /// <param name="path">The target path; an existing file is replaced only once the new one is complete.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllBytes(path, Build());
    }

    /// <summary>Writes the bytes without validating them (tests use this to make invalid files).</summary>
    internal byte[] BuildUnchecked()
    {
        if (!double.IsFinite(Lambda) || Lambda <= 0)
        {
            throw new InvalidOperationException($"Lambda must be set to a positive finite value (it is {Lambda})");
        }

        var metadata = new Dictionary<string, string>(_extraMetadata, StringComparer.Ordinal)
        {
            [ModelMetadataKeys.Format] = ModelMetadataKeys.FormatValue,
            [ModelMetadataKeys.FormatVersion] = ModelMetadataKeys.FormatVersionValue,
            [ModelMetadataKeys.Architecture] = Architecture.Identifier,
            [ModelMetadataKeys.Name] = Name,
            [ModelMetadataKeys.Lambda] = Lambda.ToString("R", CultureInfo.InvariantCulture),
            [ModelMetadataKeys.RatePoint] = RatePoint.ToString(CultureInfo.InvariantCulture),
            [ModelMetadataKeys.Distortion] = Distortion == ModelDistortion.Mae ? "mae" : "mse",
        };
        Architecture.WriteHyperParameters(HyperParameters, metadata);

        return SafetensorsWriter.Write(metadata, _tensors.Values);
    }

    /// <summary>Removes a tensor (tests use this to make invalid files).</summary>
    internal bool RemoveTensor(string name) => _tensors.Remove(name);

    private NicModelFileBuilder Add(string name, SafetensorsDataType dataType, ReadOnlySpan<int> shape, int count, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SafetensorsReader.MetadataKey)
        {
            throw new ArgumentException($"'{name}' is reserved for the metadata", nameof(name));
        }

        long expected = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(shape));
            }

            expected = checked(expected * dimension);
        }

        if (expected != count)
        {
            throw new ArgumentException($"tensor '{name}' of shape {ModelTensor.FormatShape(shape.ToArray())} needs {expected} elements, not {count}", nameof(shape));
        }

        _tensors[name] = new SafetensorsWriter.Tensor(name, dataType, shape.ToArray(), bytes);
        return this;
    }
}
