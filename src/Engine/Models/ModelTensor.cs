using System.Runtime.InteropServices;

namespace Nic.Codec.Models;

/// <summary>
/// A tensor of a loaded model file: its name, shape and row-major data as 32-bit floats or integers. Instances are
/// immutable and safe to share between threads.
/// </summary>
public sealed class ModelTensor
{
    private readonly int[] _shape;
    private readonly float[]? _floats;
    private readonly int[]? _ints;

    private ModelTensor(string name, int[] shape, float[]? floats, int[]? ints)
    {
        Name = name;
        _shape = shape;
        _floats = floats;
        _ints = ints;
    }

    /// <summary>The tensor's name, e.g. <c>g_a.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The shape, outermost dimension first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The element type: Float16 data in the file has been widened to <see cref="ModelTensorType.Float32"/>.</summary>
    public ModelTensorType ElementType => _floats is null ? ModelTensorType.Int32 : ModelTensorType.Float32;

    /// <summary>The number of elements (the product of the shape; 1 for a scalar).</summary>
    public int ElementCount => _floats?.Length ?? _ints!.Length;

    /// <summary>The data of a <see cref="ModelTensorType.Float32"/> tensor, row-major.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds integers.</exception>
    public ReadOnlyMemory<float> Float32Data =>
        _floats ?? throw new InvalidOperationException($"tensor '{Name}' holds Int32 data, not Float32");

    /// <summary>The data of an <see cref="ModelTensorType.Int32"/> tensor, row-major.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds floats.</exception>
    public ReadOnlyMemory<int> Int32Data =>
        _ints ?? throw new InvalidOperationException($"tensor '{Name}' holds Float32 data, not Int32");

    /// <summary>Whether <paramref name="other"/> has the same name, shape, element type and bits.</summary>
    internal bool HasSameContents(ModelTensor other) =>
        Name == other.Name
        && _shape.AsSpan().SequenceEqual(other._shape)
        && (_floats is null
            ? other._ints is not null && _ints.AsSpan().SequenceEqual(other._ints)
            : other._floats is not null && MemoryMarshal.AsBytes(_floats.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other._floats.AsSpan())));

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ElementType} {FormatShape(_shape)}";

    internal static ModelTensor FromFloat32(string name, int[] shape, float[] data) => new(name, shape, data, null);

    internal static ModelTensor FromInt32(string name, int[] shape, int[] data) => new(name, shape, null, data);

    /// <summary>A shape as the error messages and tools print it: <c>[192, 3, 5, 5]</c>.</summary>
    public static string FormatShape(IReadOnlyList<int> shape) =>
        "[" + string.Join(", ", shape.Select(d => d == ModelTensorSpec.AnySize ? "*" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
