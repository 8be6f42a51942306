namespace Nic.Codec.Models;

/// <summary>One tensor entry of a safetensors header: its name, element type, shape and byte range in the data buffer.</summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDataType DataType, int[] Shape, long Begin, long End)
{
    /// <summary>The size in bytes of one element of <paramref name="dataType"/>.</summary>
    internal static int ElementSize(SafetensorsDataType dataType) => dataType == SafetensorsDataType.F16 ? 2 : 4;

    internal static string DataTypeName(SafetensorsDataType dataType) => dataType switch
    {
        SafetensorsDataType.F32 => "F32",
        SafetensorsDataType.F16 => "F16",
        _ => "I32",
    };
}
