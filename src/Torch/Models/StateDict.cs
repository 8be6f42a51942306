using System.Buffers.Binary;
using System.Globalization;
using Nic.Codec;
using Nic.Codec.Models;

namespace Nic.Torch.Models;

/// <summary>
/// A PyTorch state dict of one of the CompressAI image architectures (spec/nic-model.md §4.2–§4.4), read from a
/// safetensors file and checked against the architecture before any model is built: N and M come from the shapes of
/// <c>g_a.0.weight</c> [N, 3, 5, 5] and <c>g_a.6.weight</c> [M, N, 5, 5]; every parameter must be present as F32 or F16
/// with its exact shape and finite values; besides them only the buffers a CompressAI module keeps are accepted, and
/// all but <c>gaussian_conditional.scale_table</c> are ignored (the tables are always rebuilt).
/// </summary>
/// <remarks>
/// Errors are <see cref="NicCodecException"/>s: <see cref="NicCodecError.ModelFileCorrupt"/> for a file that is not
/// safetensors (§2.3), a non-finite value or a scale table that is not positive and strictly rising;
/// <see cref="NicCodecError.ModelArchitectureMismatch"/> for a tensor that is missing, unexpected, of the wrong shape or
/// element type, or a GDN constant that is not Nic's (§4.7). Each message names the tensor.
/// </remarks>
internal sealed class StateDict
{
    /// <summary>The scale table's name.</summary>
    internal const string ScaleTableName = "gaussian_conditional.scale_table";

    /// <summary>
    /// Buffers of some CompressAI versions that the architecture's list (§4) does not name; accepted with any shape and
    /// element type, and ignored.
    /// </summary>
    private static readonly HashSet<string> IgnoredExtras = new(StringComparer.Ordinal) { "entropy_bottleneck._medians" };

    private StateDict(ModelArchitecture architecture, int n, int m, Dictionary<string, float[]> parameters, float[]? scaleTable)
    {
        Architecture = architecture;
        N = n;
        M = m;
        Parameters = parameters;
        ScaleTable = scaleTable;
    }

    /// <summary>The architecture the state dict was checked against.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>N, from the shape of <c>g_a.0.weight</c>.</summary>
    public int N { get; }

    /// <summary>M, from the shape of <c>g_a.6.weight</c>.</summary>
    public int M { get; }

    /// <summary>Every parameter by state-dict name, row-major, widened to binary32.</summary>
    public IReadOnlyDictionary<string, float[]> Parameters { get; }

    /// <summary>The Gaussian conditional's scale table when the state dict carries one; null otherwise.</summary>
    public float[]? ScaleTable { get; }

    /// <summary>Reads and checks a state dict held in memory.</summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not an image architecture.</exception>
    /// <exception cref="NicCodecException">The file is not a valid state dict of the architecture.</exception>
    internal static StateDict Parse(ReadOnlyMemory<byte> bytes, ModelArchitectureKind kind)
    {
        ModelArchitecture architecture = CheckArchitecture(kind);
        SafetensorsFile file = SafetensorsReader.Parse(bytes);
        var entries = file.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        int n = ChannelCount(entries, "g_a.0.weight", "N");
        int m = ChannelCount(entries, "g_a.6.weight", "M");
        IReadOnlyList<ModelTensorSpec> specs = architecture.GetTensors(ModelHyperParameters.ForChannels(n, m));
        var specByName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in file.Entries)
        {
            if (!specByName.ContainsKey(entry.Name) && !IgnoredExtras.Contains(entry.Name))
            {
                throw Mismatch($"unexpected tensor '{entry.Name}' {ModelTensor.FormatShape(entry.Shape)}: {architecture} (N={n}, M={m}) has no such parameter or buffer");
            }
        }

        var parameters = new Dictionary<string, float[]>(StringComparer.Ordinal);
        float[]? scaleTable = null;
        foreach (ModelTensorSpec spec in specs)
        {
            if (spec.ElementType == ModelTensorType.Int32)
            {
                // _quantized_cdf, _offset, _cdf_length: rebuilt on import, whatever the state dict holds (CompressAI
                // keeps empty ones until update()).
                continue;
            }

            bool isParameter = spec.Required && spec.Name != ScaleTableName;
            if (!entries.TryGetValue(spec.Name, out SafetensorsEntry? entry)
                || (spec.Name == ScaleTableName && entry.Shape is [0]))
            {
                // An empty scale table (CompressAI's before update()) counts as none: the default applies.
                if (isParameter)
                {
                    throw Mismatch($"tensor '{spec.Name}' is missing; {architecture} (N={n}, M={m}) needs it as F32 or F16 {spec.FormatShape()}");
                }

                continue;
            }

            if (entry.DataType == SafetensorsDataType.I32)
            {
                throw Mismatch($"tensor '{spec.Name}' has the data type I32; expected F32 or F16");
            }

            if (!spec.Matches(entry.Shape))
            {
                throw Mismatch($"tensor '{spec.Name}' has the shape {ModelTensor.FormatShape(entry.Shape)}; expected {spec.FormatShape()}");
            }

            float[] values = Decode(entry, file.GetBytes(entry));
            if (isParameter)
            {
                parameters.Add(spec.Name, values);
            }
            else if (spec.Name == ScaleTableName)
            {
                CheckScaleTable(values);
                scaleTable = values;
            }
            else
            {
                CheckConstant(spec.Name, values[0]);
            }
        }

        return new StateDict(architecture, n, m, parameters, scaleTable);
    }

    /// <summary>The descriptor of <paramref name="kind"/>, which must be an image architecture.</summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is tfc-mnist or undefined.</exception>
    internal static ModelArchitecture CheckArchitecture(ModelArchitectureKind kind)
    {
        if (!Enum.IsDefined(kind) || !ModelArchitecture.Get(kind).HasImageLatent)
        {
            throw new ArgumentException($"{kind} is not an image architecture; state dicts are imported for bmshj2018-factorized, bmshj2018-hyperprior and mbt2018-mean", nameof(kind));
        }

        return ModelArchitecture.Get(kind);
    }

    /// <summary>The first dimension of a 4-D weight, which gives N or M, checked to lie in 1 … 4096.</summary>
    private static int ChannelCount(Dictionary<string, SafetensorsEntry> entries, string name, string what)
    {
        if (!entries.TryGetValue(name, out SafetensorsEntry? entry))
        {
            throw Mismatch($"tensor '{name}' is missing; its shape gives {what}");
        }

        if (entry.Shape.Length != 4 || entry.Shape[0] is < 1 or > ModelHyperParameters.MaxChannels)
        {
            throw Mismatch($"tensor '{name}' has the shape {ModelTensor.FormatShape(entry.Shape)}; expected [{what}, in, 5, 5] with 1 ≤ {what} ≤ {ModelHyperParameters.MaxChannels}");
        }

        return entry.Shape[0];
    }

    /// <summary>The elements of an F32 or F16 tensor as binary32 (binary16 widens exactly), each checked to be finite.</summary>
    private static float[] Decode(SafetensorsEntry entry, ReadOnlySpan<byte> bytes)
    {
        bool half = entry.DataType == SafetensorsDataType.F16;
        var values = new float[bytes.Length / (half ? 2 : 4)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = half ? (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            if (!float.IsFinite(values[i]))
            {
                throw new NicCodecException(NicCodecError.ModelFileCorrupt, $"tensor '{entry.Name}' element {i} is {values[i].ToString(CultureInfo.InvariantCulture)}; model parameters must be finite");
            }
        }

        return values;
    }

    private static void CheckScaleTable(float[] scales)
    {
        for (int i = 0; i < scales.Length; i++)
        {
            if (!(scales[i] > 0) || (i > 0 && !(scales[i] > scales[i - 1])))
            {
                throw new NicCodecException(NicCodecError.ModelFileCorrupt, $"{ScaleTableName} entry {i} is {scales[i].ToString("R", CultureInfo.InvariantCulture)}; scales must be positive and strictly rising");
            }
        }
    }

    /// <summary>Checks a GDN constant of §4.7 against Nic's value; the other constants are checked for shape only.</summary>
    private static void CheckConstant(string name, float value)
    {
        float? expected =
            name.EndsWith(".beta_reparam.pedestal", StringComparison.Ordinal) || name.EndsWith(".gamma_reparam.pedestal", StringComparison.Ordinal) ? GdnParameters.Pedestal
            : name.EndsWith(".beta_reparam.lower_bound.bound", StringComparison.Ordinal) ? GdnParameters.BetaBound
            : name.EndsWith(".gamma_reparam.lower_bound.bound", StringComparison.Ordinal) ? GdnParameters.GammaBound
            : null;
        if (expected is { } nic && value != nic)
        {
            throw Mismatch($"tensor '{name}' holds {value.ToString("R", CultureInfo.InvariantCulture)}; Nic's GDN uses {nic.ToString("R", CultureInfo.InvariantCulture)} (spec/nic-model.md §5)");
        }
    }

    private static NicCodecException Mismatch(string message) => new(NicCodecError.ModelArchitectureMismatch, message);
}
