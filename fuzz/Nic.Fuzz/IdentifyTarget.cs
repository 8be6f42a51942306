using System.Security.Cryptography;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Format;

namespace Nic.Fuzz;

/// <summary>
/// Header identification (<c>identify</c>): <see cref="NicCodec.IdentifyAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// over the input as it is and with its CRCs repaired, in memory and streamed in pieces (which must agree). Identify
/// reads no further than the metadata, so where it fails <see cref="NicFile.Read"/> must fail with the same code at the
/// same offset, and where both succeed their headers and metadata must be equal.
/// </summary>
internal sealed class IdentifyTarget : FuzzTarget
{
    private static readonly NicCodecError[] NoCodecErrors = [];
    private readonly NicCodec _codec = new(new NicModelCatalog(includeShippedModels: false), new NicCodecOptions { Parallelism = 1, IncludeShippedModels = false });

    /// <inheritdoc/>
    public override string Name => "identify";

    /// <inheritdoc/>
    public override string Description => "NicCodec.IdentifyAsync (header and metadata only) in memory and streamed, against NicFile.Read";

    /// <inheritdoc/>
    public override string Execute(byte[] input)
    {
        string outcome = Check(input);
        byte[] repaired = ContainerLayout.RepairChecksums(input);
        return ReferenceEquals(repaired, input) ? outcome : $"{outcome} | repaired: {Check(repaired)}";
    }

    private string Check(byte[] data)
    {
        (string memory, NicImageInfo? info) = Identify(() => _codec.IdentifyAsync(data), data.Length);
        uint seed = ChunkedStream.SeedOf(data);
        (string streamed, _) = Identify(() => _codec.IdentifyAsync(new ChunkedStream(data, seed, 1 + (int)(seed % 32))), data.Length);
        if (streamed != memory)
        {
            throw new FuzzFindingException($"identified in memory: {memory}; streamed in pieces: {streamed}");
        }

        NicFile? file = null;
        string read;
        try
        {
            file = NicFile.Read(data);
            read = "ok";
        }
        catch (Exception e) when (Outcomes.Describe(e, data.Length, NoCodecErrors) is { } error)
        {
            read = error;
        }

        if (info is null && read != memory)
        {
            throw new FuzzFindingException($"identify: {memory}; NicFile.Read: {read}");
        }

        if (info is not null && file is not null && (file.Header != info.Header || Describe(file.Metadata) != Describe(info.Metadata)))
        {
            throw new FuzzFindingException("identify and NicFile.Read give different headers or metadata");
        }

        if (info is not null && (info.Width != info.Header.Width || info.FormatVersion.Major != 1))
        {
            throw new FuzzFindingException($"identify returned an inconsistent result: {info.Width}×{info.Height}, version {info.FormatVersion}");
        }

        return memory;
    }

    private static (string Outcome, NicImageInfo? Info) Identify(Func<Task<NicImageInfo>> identify, long length)
    {
        try
        {
            NicImageInfo info = identify().GetAwaiter().GetResult();
            return ($"{info.Width}×{info.Height} {info.Model.Name} {Describe(info.Metadata)}", info);
        }
        catch (Exception e) when (Outcomes.Describe(e, length, NoCodecErrors) is { } error)
        {
            return (error, null);
        }
    }

    private static string Describe(NicMetadata metadata) =>
        $"icc {Hash(metadata.IccProfile)} exif {Hash(metadata.Exif)} xmp {Hash(metadata.Xmp)}";

    private static string Hash(byte[]? bytes) => bytes is null ? "-" : Convert.ToHexString(SHA256.HashData(bytes), 0, 4);
}
