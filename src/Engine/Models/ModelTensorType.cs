namespace Nic.Codec.Models;

/// <summary>The element type of a model tensor once loaded. Float16 tensors in a file are widened to <see cref="Float32"/>.</summary>
public enum ModelTensorType
{
    /// <summary>32-bit IEEE-754 floats (stored as <c>F32</c> or <c>F16</c>).</summary>
    Float32,

    /// <summary>32-bit signed integers (stored as <c>I32</c>).</summary>
    Int32,
}
