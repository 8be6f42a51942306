using System.Buffers.Binary;
using System.Text.Json;

namespace Nic.Codec.Models;

/// <summary>
/// Reads the safetensors container (spec/nic-model.md §2): an unsigned 64-bit little-endian header length N, N bytes
/// of a UTF-8 JSON header, then the data buffer. Every rule is checked before anything sized by the file is
/// allocated, and every violation is a <see cref="NicCodecError.ModelFileCorrupt"/>.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>The size of the header-length prefix.</summary>
    internal const int PrefixLength = 8;

    /// <summary>The largest JSON header accepted: 16 MiB.</summary>
    internal const int MaxHeaderLength = 16 * 1024 * 1024;

    /// <summary>The largest tensor rank accepted.</summary>
    internal const int MaxRank = 8;

    /// <summary>The key of the metadata map in the header.</summary>
    internal const string MetadataKey = "__metadata__";

    private static readonly JsonDocumentOptions HeaderJsonOptions = new()
    {
        MaxDepth = 4,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Parses a whole file held in memory.</summary>
    public static SafetensorsFile Parse(ReadOnlyMemory<byte> file)
    {
        int headerLength = CheckHeaderLength(file.Span, file.Length);
        ReadOnlyMemory<byte> data = file[(PrefixLength + headerLength)..];
        return ParseHeader(file.Slice(PrefixLength, headerLength), data, data.Length);
    }

    /// <summary>
    /// Reads and checks only the length prefix and the header of a model file on disk, the tensors' layout against the
    /// file's length included, without reading its data: what the model catalog needs to list a file before loading it.
    /// The result's <see cref="SafetensorsFile.Data"/> is empty.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.ModelNotFound"/> or <see cref="NicCodecError.ModelFileCorrupt"/>.</exception>
    internal static SafetensorsFile ReadHeader(string path, long maxLength) => WithFile(path, maxLength, (stream, length) =>
    {
        int headerLength = ReadPrefix(stream, length, out _);
        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false) != headerLength)
        {
            throw Corrupt($"the file ended within its {headerLength}-byte header");
        }

        return ParseHeader(header, ReadOnlyMemory<byte>.Empty, length - PrefixLength - headerLength);
    });

    private static SafetensorsFile ParseHeader(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> data, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, HeaderJsonOptions);
        }
        catch (JsonException e)
        {
            throw Corrupt($"the header is not valid JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw Corrupt($"the header is not valid UTF-8 JSON: {e.Message}");
        }

        using (document)
        {
            try
            {
                return ParseHeader(document.RootElement, data, dataLength);
            }
            catch (InvalidOperationException e)
            {
                // A string of the header that cannot be transcoded from UTF-8.
                throw Corrupt($"the header holds a string that is not valid UTF-8: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Reads the header-length prefix of a file of <paramref name="fileLength"/> bytes and checks it against
    /// <see cref="MaxHeaderLength"/> and the file length.
    /// </summary>
    internal static int CheckHeaderLength(ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (prefix.Length < PrefixLength)
        {
            throw Corrupt($"the file has {prefix.Length} bytes; a safetensors file starts with an 8-byte header length");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength)
        {
            throw Corrupt($"the header length {n} exceeds the limit of {MaxHeaderLength} bytes");
        }

        if ((long)n > fileLength - PrefixLength)
        {
            throw Corrupt($"the header length {n} exceeds the {fileLength - PrefixLength} bytes after the length prefix (truncated file)");
        }

        if (n < 2)
        {
            throw Corrupt($"the header length {n} is too small for a JSON object");
        }

        return (int)n;
    }

    /// <summary>
    /// Reads a whole model file from a stream, checking the header length as soon as its 8 bytes have arrived and
    /// refusing files longer than <paramref name="maxLength"/>.
    /// </summary>
    internal static async Task<byte[]> ReadAllAsync(Stream stream, long maxLength, CancellationToken cancellationToken)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > maxLength)
            {
                throw Corrupt($"the stream holds {remaining} bytes, more than the limit of {maxLength}");
            }

            var prefix = new byte[PrefixLength];
            int got = await ReadUpToAsync(stream, prefix, cancellationToken).ConfigureAwait(false);
            CheckHeaderLength(prefix.AsSpan(0, got), remaining);
            var file = new byte[remaining];
            prefix.CopyTo(file, 0);
            int rest = await ReadUpToAsync(stream, file.AsMemory(PrefixLength), cancellationToken).ConfigureAwait(false);
            if (PrefixLength + rest != remaining)
            {
                throw Corrupt($"the stream ended after {PrefixLength + rest} of its {remaining} bytes");
            }

            return file;
        }

        var head = new byte[PrefixLength];
        int headLength = await ReadUpToAsync(stream, head, cancellationToken).ConfigureAwait(false);
        if (headLength < PrefixLength)
        {
            throw Corrupt($"the file has {headLength} bytes; a safetensors file starts with an 8-byte header length");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        if (n > MaxHeaderLength)
        {
            throw Corrupt($"the header length {n} exceeds the limit of {MaxHeaderLength} bytes");
        }

        using var buffer = new MemoryStream();
        buffer.Write(head);
        var chunk = new byte[81920];
        while (true)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            if (buffer.Length + read > maxLength)
            {
                throw Corrupt($"the stream holds more than the limit of {maxLength} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a whole model file from disk, refusing files longer than <paramref name="maxLength"/>.</summary>
    public static byte[] ReadFile(string path, long maxLength) => WithFile(path, maxLength, (stream, length) =>
    {
        ReadPrefix(stream, length, out byte[] prefix);
        var file = new byte[length];
        prefix.CopyTo(file, 0);
        int rest = stream.ReadAtLeast(file.AsSpan(PrefixLength), file.Length - PrefixLength, throwOnEndOfStream: false);
        if (PrefixLength + rest != length)
        {
            throw Corrupt($"the file ended after {PrefixLength + rest} of its {length} bytes");
        }

        return file;
    });

    /// <summary>
    /// Opens a model file for a sequential read, refuses it when it is longer than <paramref name="maxLength"/> and
    /// reads it with <paramref name="read"/>(stream, length); a missing file is <see cref="NicCodecError.ModelNotFound"/>.
    /// </summary>
    private static T WithFile<T>(string path, long maxLength, Func<FileStream, long, T> read)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > maxLength)
            {
                throw Corrupt($"the file holds {length} bytes, more than the limit of {maxLength}");
            }

            return read(stream, length);
        }
        catch (FileNotFoundException e)
        {
            throw new NicCodecException(NicCodecError.ModelNotFound, $"no model file at '{path}': {e.Message}");
        }
        catch (DirectoryNotFoundException e)
        {
            throw new NicCodecException(NicCodecError.ModelNotFound, $"no model file at '{path}': {e.Message}");
        }
    }

    /// <summary>Reads the 8-byte length prefix at the stream's start and checks the header length it gives (<see cref="CheckHeaderLength"/>).</summary>
    private static int ReadPrefix(Stream stream, long length, out byte[] prefix)
    {
        prefix = new byte[PrefixLength];
        int got = stream.ReadAtLeast(prefix, PrefixLength, throwOnEndOfStream: false);
        return CheckHeaderLength(prefix.AsSpan(0, got), length);
    }

    private static async Task<int> ReadUpToAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken) =>
        await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);

    private static SafetensorsFile ParseHeader(JsonElement root, ReadOnlyMemory<byte> data, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt($"the header is a JSON {root.ValueKind}, not an object");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<SafetensorsEntry>();
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                throw Corrupt($"the name '{property.Name}' appears twice in the header");
            }

            if (property.Name == MetadataKey)
            {
                metadata = ParseMetadata(property.Value);
                continue;
            }

            entries.Add(ParseEntry(property.Name, property.Value));
        }

        CheckLayout(entries, dataLength);
        return new SafetensorsFile(metadata, entries, data);
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt($"{MetadataKey} is a JSON {element.ValueKind}, not an object");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Corrupt($"metadata value '{property.Name}' is a JSON {property.Value.ValueKind}; metadata values are strings");
            }

            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
            {
                throw Corrupt($"metadata key '{property.Name}' appears twice");
            }
        }

        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement element)
    {
        if (name.Length == 0)
        {
            throw Corrupt("a tensor has an empty name");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt($"tensor '{name}' is described by a JSON {element.ValueKind}, not an object");
        }

        SafetensorsDataType? dataType = null;
        int[]? shape = null;
        long begin = -1, end = -1;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "dtype" when dataType is null:
                    dataType = ParseDataType(name, property.Value);
                    break;
                case "shape" when shape is null:
                    shape = ParseShape(name, property.Value);
                    break;
                case "data_offsets" when begin < 0:
                    (begin, end) = ParseOffsets(name, property.Value);
                    break;
                default:
                    throw Corrupt($"tensor '{name}' has an unexpected or repeated field '{property.Name}'");
            }
        }

        if (dataType is null || shape is null || begin < 0)
        {
            throw Corrupt($"tensor '{name}' needs the fields dtype, shape and data_offsets");
        }

        long count = 1;
        foreach (int dimension in shape)
        {
            if (dimension != 0 && count > long.MaxValue / dimension)
            {
                throw Corrupt($"tensor '{name}' has too many elements");
            }

            count *= dimension;
        }

        int size = SafetensorsEntry.ElementSize(dataType.Value);
        if (count > long.MaxValue / size || count * size != end - begin)
        {
            throw Corrupt($"tensor '{name}' has {count} elements of {size} bytes but spans {end - begin} bytes");
        }

        return new SafetensorsEntry(name, dataType.Value, shape, begin, end);
    }

    private static SafetensorsDataType ParseDataType(string name, JsonElement element) =>
        (element.ValueKind == JsonValueKind.String ? element.GetString() : null) switch
        {
            "F32" => SafetensorsDataType.F32,
            "F16" => SafetensorsDataType.F16,
            "I32" => SafetensorsDataType.I32,
            var other => throw Corrupt($"tensor '{name}' has the data type {other ?? element.ValueKind.ToString()}; F32, F16 and I32 are accepted"),
        };

    private static int[] ParseShape(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > MaxRank)
        {
            throw Corrupt($"tensor '{name}' needs a shape: an array of at most {MaxRank} non-negative integers");
        }

        var shape = new int[element.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dimension in element.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int value) || value < 0)
            {
                throw Corrupt($"tensor '{name}' has shape entry {i} that is not a non-negative 32-bit integer");
            }

            shape[i++] = value;
        }

        return shape;
    }

    private static (long Begin, long End) ParseOffsets(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != 2)
        {
            throw Corrupt($"tensor '{name}' needs data_offsets: an array [begin, end]");
        }

        long begin = ReadOffset(name, element[0]);
        long end = ReadOffset(name, element[1]);
        if (end < begin)
        {
            throw Corrupt($"tensor '{name}' ends at {end}, before its beginning at {begin}");
        }

        return (begin, end);
    }

    private static long ReadOffset(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Corrupt($"tensor '{name}' has a data offset that is not a non-negative integer");
        }

        return value;
    }

    /// <summary>Checks that the tensors lie in the data buffer, do not overlap and cover it with no gaps.</summary>
    private static void CheckLayout(List<SafetensorsEntry> entries, long dataLength)
    {
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToArray();
        long next = 0;
        foreach (SafetensorsEntry entry in ordered)
        {
            if (entry.Begin != next)
            {
                throw Corrupt(entry.Begin < next
                    ? $"tensor '{entry.Name}' at [{entry.Begin}, {entry.End}) overlaps the tensor before it, which ends at {next}"
                    : $"the data buffer has a gap at [{next}, {entry.Begin}) before tensor '{entry.Name}'");
            }

            if (entry.End > dataLength)
            {
                throw Corrupt($"tensor '{entry.Name}' ends at {entry.End}, beyond the {dataLength}-byte data buffer (truncated file)");
            }

            next = entry.End;
        }

        if (next != dataLength)
        {
            throw Corrupt($"the tensors cover {next} bytes of the {dataLength}-byte data buffer");
        }
    }

    internal static NicCodecException Corrupt(string message) => new(NicCodecError.ModelFileCorrupt, message);
}
