using System.IO.Pipelines;
using System.Security.Cryptography;
using Nic.Codec;
using Nic.Format;

namespace Nic.Fuzz;

/// <summary>
/// The container reader (<c>reader</c>): <see cref="NicFile.Read"/> over the input as it is and, when that differs,
/// with every chunk CRC repaired (so mutations reach the checks behind the checksum). Each is read three ways, which
/// must agree: in memory, streamed in small pieces through a pipe, and chunk by chunk with
/// <see cref="NicReader.ReadChunkAsync"/>. A file that reads must write back (<see cref="NicFile.ToArray"/>) and read
/// again to the same bytes.
/// </summary>
internal sealed class ReaderTarget : FuzzTarget
{
    private static readonly NicCodecError[] NoCodecErrors = [];

    /// <inheritdoc/>
    public override string Name => "reader";

    /// <inheritdoc/>
    public override string Description => "NicFile.Read / NicReader over arbitrary bytes: in memory, streamed and chunk by chunk";

    /// <inheritdoc/>
    public override string Execute(byte[] input)
    {
        string outcome = Check(input);
        byte[] repaired = ContainerLayout.RepairChecksums(input);
        return ReferenceEquals(repaired, input) ? outcome : $"{outcome} | repaired: {Check(repaired)}";
    }

    /// <summary>Reads the file in memory; the outcome and, when it reads, the bytes it writes back.</summary>
    internal static (string Outcome, byte[]? Canonical) ReadInMemory(byte[] data, NicReaderOptions? limits = null)
    {
        NicFile file;
        try
        {
            file = NicFile.Read(data, limits);
        }
        catch (Exception e) when (Outcomes.Describe(e, data.Length, NoCodecErrors) is { } error)
        {
            return (error, null);
        }

        byte[] canonical = file.ToArray();
        return ($"ok {Convert.ToHexString(SHA256.HashData(canonical), 0, 8)}", canonical);
    }

    private static string Check(byte[] data)
    {
        (string memory, byte[]? canonical) = ReadInMemory(data);

        string streamed = ReadStreamed(data);
        if (streamed != memory)
        {
            throw new FuzzFindingException($"read in memory: {memory}; streamed in pieces: {streamed}");
        }

        string chunks = WalkChunks(data);
        if (canonical is null ? chunks != memory : chunks != "ok")
        {
            throw new FuzzFindingException($"NicFile.Read: {memory}; chunk by chunk: {chunks}");
        }

        if (canonical is not null)
        {
            NicFile first = NicFile.Read(data);
            NicFile again = NicFile.Read(canonical);
            if (first.Header != again.Header || !again.ToArray().AsSpan().SequenceEqual(canonical))
            {
                throw new FuzzFindingException("the file written back from a file that reads does not read back the same");
            }
        }

        return memory;
    }

    private static string ReadStreamed(byte[] data)
    {
        uint seed = ChunkedStream.SeedOf(data);
        var stream = new ChunkedStream(data, seed, maxPiece: 1 + (int)(seed % 64));
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 << (int)(seed % 8), minimumReadSize: 1));
        using var reader = new NicReader(pipe);
        try
        {
            NicFile file = NicFile.ReadAsync(reader).AsTask().GetAwaiter().GetResult();
            return $"ok {Convert.ToHexString(SHA256.HashData(file.ToArray()), 0, 8)}";
        }
        catch (Exception e) when (Outcomes.Describe(e, data.Length, NoCodecErrors) is { } error)
        {
            return error;
        }
    }

    private static string WalkChunks(byte[] data)
    {
        using var reader = new NicReader(data);
        try
        {
            while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is not null)
            {
            }

            return "ok";
        }
        catch (Exception e) when (Outcomes.Describe(e, data.Length, NoCodecErrors) is { } error)
        {
            return error;
        }
    }
}
