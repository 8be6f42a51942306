using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>
/// Writes a safetensors file the way <c>safetensors.torch.save_file(model.state_dict(), path)</c> does — the tensors
/// in the order given, <c>{"format": "pt"}</c> metadata, the header padded with spaces to a multiple of 8 — written
/// here independently of Nic's own writer, so that the importer reads a file Nic did not produce.
/// </summary>
internal sealed class TestStateDict
{
    private readonly List<(string Name, string DataType, long[] Shape, byte[] Bytes)> _tensors = [];

    /// <summary>Every tensor of <paramref name="module"/>'s state dict (parameters and buffers), optionally the floats as F16.</summary>
    public static TestStateDict FromModule(nn.Module module, bool float16 = false, bool parametersOnly = false)
    {
        var dict = new TestStateDict();
        IEnumerable<(string Name, Tensor Value)> tensors = parametersOnly
            ? module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            : module.state_dict().Select(p => (p.Key, p.Value));
        foreach ((string name, Tensor value) in tensors)
        {
            dict.Add(name, value, float16);
        }

        return dict;
    }

    /// <summary>Adds a float32 or int32 tensor (float32 as F16 when asked).</summary>
    public TestStateDict Add(string name, Tensor value, bool float16 = false)
    {
        using var scope = NewDisposeScope();
        Tensor cpu = value.detach().cpu().contiguous();
        switch (cpu.dtype)
        {
            case ScalarType.Float32 when float16:
                Half[] halves = cpu.to_type(ScalarType.Float16).data<Half>().ToArray();
                return Add(name, "F16", cpu.shape, halves.SelectMany(h => BitConverter.GetBytes(h)).ToArray());
            case ScalarType.Float32:
                return AddFloat32(name, cpu.shape, cpu.data<float>().ToArray());
            case ScalarType.Int32:
                int[] ints = cpu.numel() == 0 ? [] : cpu.data<int>().ToArray();
                var bytes = new byte[ints.Length * 4];
                for (int i = 0; i < ints.Length; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), ints[i]);
                }

                return Add(name, "I32", cpu.shape, bytes);
            default:
                throw new ArgumentException($"{name}: {cpu.dtype} is not written by this helper", nameof(value));
        }
    }

    /// <summary>Adds (or replaces) an F32 tensor.</summary>
    public TestStateDict AddFloat32(string name, long[] shape, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return Add(name, "F32", shape, bytes);
    }

    /// <summary>Removes a tensor.</summary>
    public TestStateDict Remove(string name)
    {
        Assert.Equal(1, _tensors.RemoveAll(t => t.Name == name));
        return this;
    }

    /// <summary>Replaces one element of an F32 tensor.</summary>
    public TestStateDict SetFloat32(string name, int index, float value)
    {
        (string _, string dataType, long[] _, byte[] bytes) = _tensors.Single(t => t.Name == name);
        Assert.Equal("F32", dataType);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * index), value);
        return this;
    }

    /// <summary>The names, in file order.</summary>
    public IEnumerable<string> Names => _tensors.Select(t => t.Name);

    /// <summary>The file's bytes.</summary>
    public byte[] ToBytes()
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteEndObject();
            long offset = 0;
            foreach ((string name, string dataType, long[] shape, byte[] bytes) in _tensors)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dataType);
                writer.WriteStartArray("shape");
                foreach (long dimension in shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes.Length;
            }

            writer.WriteEndObject();
        }

        while (json.Length % 8 != 0)
        {
            json.WriteByte((byte)' ');
        }

        byte[] headerBytes = json.ToArray();
        using var file = new MemoryStream();
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerBytes.Length);
        file.Write(prefix);
        file.Write(headerBytes);
        foreach ((_, _, _, byte[] bytes) in _tensors)
        {
            file.Write(bytes);
        }

        return file.ToArray();
    }

    /// <summary>Writes the file.</summary>
    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    private TestStateDict Add(string name, string dataType, long[] shape, byte[] bytes)
    {
        _tensors.RemoveAll(t => t.Name == name);
        _tensors.Add((name, dataType, shape, bytes));
        return this;
    }
}
