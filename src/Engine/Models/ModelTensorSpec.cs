namespace Nic.Codec.Models;

/// <summary>
/// One tensor an architecture expects in a model file: its name (a CompressAI state-dict name), shape, element type,
/// whether it must be present, and what it means (spec/nic-model.md §4).
/// </summary>
public sealed class ModelTensorSpec
{
    /// <summary>A shape entry that accepts any size of at least 1 (the table length <c>Lmax</c>, the scale count <c>S</c>).</summary>
    public const int AnySize = -1;

    internal ModelTensorSpec(string name, int[] shape, ModelTensorType elementType, bool required, string meaning)
    {
        Name = name;
        Shape = shape;
        ElementType = elementType;
        Required = required;
        Meaning = meaning;
    }

    /// <summary>The tensor's name, e.g. <c>g_a.0.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The expected shape; an entry of <see cref="AnySize"/> accepts any size of at least 1.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The expected element type (a <see cref="ModelTensorType.Float32"/> tensor may be stored as F16).</summary>
    public ModelTensorType ElementType { get; }

    /// <summary>True when the file must contain the tensor; false for CompressAI constant buffers a file may carry.</summary>
    public bool Required { get; }

    /// <summary>A short description of what the tensor holds.</summary>
    public string Meaning { get; }

    /// <summary>Tells whether a shape matches <see cref="Shape"/>.</summary>
    /// <param name="shape">The shape found in a file.</param>
    /// <returns>True when the ranks agree and every fixed entry is equal (and every free entry at least 1).</returns>
    public bool Matches(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != Shape.Count)
        {
            return false;
        }

        for (int i = 0; i < shape.Count; i++)
        {
            if (Shape[i] == AnySize ? shape[i] < 1 : shape[i] != Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The shape as <c>[a, b, …]</c>, with <c>*</c> for a free entry.</summary>
    /// <returns>The formatted shape.</returns>
    public string FormatShape() => ModelTensor.FormatShape(Shape);

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ElementType} {FormatShape()}{(Required ? "" : " (optional)")}";
}
