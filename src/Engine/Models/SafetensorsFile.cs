namespace Nic.Codec.Models;

/// <summary>A parsed safetensors file: its metadata, its tensor entries in header order, and its data buffer.</summary>
public sealed class SafetensorsFile(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafetensorsEntry> entries, ReadOnlyMemory<byte> data)
{
    /// <summary>The <c>__metadata__</c> map (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>The tensor entries in the order the header lists them.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; } = entries;

    /// <summary>The data buffer: everything after the header.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>The bytes of one entry.</summary>
    public ReadOnlySpan<byte> GetBytes(SafetensorsEntry entry) => Data.Span[(int)entry.Begin..(int)entry.End];
}
