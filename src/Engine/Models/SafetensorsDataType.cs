namespace Nic.Codec.Models;

/// <summary>The safetensors element types a Nic model file may use (spec/nic-model.md §2.2).</summary>
public enum SafetensorsDataType
{
    /// <summary><c>F32</c>: little-endian IEEE-754 binary32.</summary>
    F32,

    /// <summary><c>F16</c>: little-endian IEEE-754 binary16, widened to binary32 on load.</summary>
    F16,

    /// <summary><c>I32</c>: little-endian two's-complement 32-bit integers.</summary>
    I32,
}
