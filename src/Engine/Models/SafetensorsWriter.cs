using System.Buffers.Binary;
using System.Text.Json;

namespace Nic.Codec.Models;

/// <summary>
/// Writes the safetensors container (spec/nic-model.md §2.4): metadata first, then the tensors ordered by name
/// (ordinal), their data laid out in that order with ascending offsets and no gaps, and the JSON header padded with
/// spaces to a multiple of 8 bytes.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>A tensor to write: its name, element type, shape and little-endian data bytes.</summary>
    internal sealed record Tensor(string Name, SafetensorsDataType DataType, int[] Shape, byte[] Bytes);

    /// <summary>Writes a complete file.</summary>
    internal static byte[] Write(IReadOnlyDictionary<string, string> metadata, IEnumerable<Tensor> tensors)
    {
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        byte[] header = WriteHeader(metadata, ordered);
        long dataLength = ordered.Sum(t => (long)t.Bytes.Length);
        var file = new byte[checked(SafetensorsReader.PrefixLength + header.Length + dataLength)];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, SafetensorsReader.PrefixLength);
        int position = SafetensorsReader.PrefixLength + header.Length;
        foreach (Tensor tensor in ordered)
        {
            tensor.Bytes.CopyTo(file, position);
            position += tensor.Bytes.Length;
        }

        return file;
    }

    private static byte[] WriteHeader(IReadOnlyDictionary<string, string> metadata, Tensor[] ordered)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            if (metadata.Count > 0)
            {
                writer.WriteStartObject(SafetensorsReader.MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (Tensor tensor in ordered)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", SafetensorsEntry.DataTypeName(tensor.DataType));
                writer.WriteStartArray("shape");
                foreach (int dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Bytes.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Bytes.Length;
            }

            writer.WriteEndObject();
        }

        int length = (int)json.Length;
        int padded = (length + 7) & ~7;
        for (int i = length; i < padded; i++)
        {
            json.WriteByte((byte)' ');
        }

        return json.ToArray();
    }
}
