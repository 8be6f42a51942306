using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Format;

namespace Nic.Fuzz;

/// <summary>
/// The full decoder (<c>decode</c>): <see cref="NicCodec.OpenAsync(Stream, CancellationToken)"/> and
/// <see cref="NicRowDecoder.ReadImageAsync"/> over the input with its CRCs repaired (so hostile headers, ẑ and band
/// payloads reach the entropy decoders and the networks), streamed in pieces. The catalog holds the shipped models
/// (for the conformance streams) and the small <see cref="FuzzModels"/>. An image must have the header's size and a
/// symbol hash; a container error (its outcome carries an offset) must be the one <see cref="NicFile.Read"/> reports for the same bytes and limits, and a
/// decoded file must read.
/// </summary>
internal sealed class DecodeTarget : FuzzTarget
{
    /// <summary>The codec errors a damaged file may legitimately end in.</summary>
    private static readonly NicCodecError[] DecodeErrors =
    [
        NicCodecError.EntropyPayloadTruncated,
        NicCodecError.EntropyPayloadCorrupt,
        NicCodecError.LatentShapeMismatch,
        NicCodecError.UnknownModel,
        NicCodecError.ModelHashMismatch,
        NicCodecError.UnsupportedModel,
    ];

    /// <summary>Limits that keep one execution small: at most a megapixel and a million latent elements.</summary>
    internal static readonly NicReaderOptions Limits = new()
    {
        MaxWidth = 4096,
        MaxHeight = 4096,
        MaxPixels = 1 << 20,
        MaxLatentElements = 1 << 20,
        MaxChunkLength = 4 << 20,
        MaxMetadataLength = 1 << 20,
        MaxBands = 4096,
    };

    private readonly Lazy<NicCodec> _codec = new(() => new NicCodec(
        FuzzModels.CreateCatalog(includeShippedModels: true),
        new NicCodecOptions { Parallelism = 1, ReaderLimits = Limits }));

    /// <inheritdoc/>
    public override string Name => "decode";

    /// <inheritdoc/>
    public override string Description => "NicCodec.OpenAsync + ReadImageAsync (entropy decoding, h_s, g_s) over bytes whose CRCs are repaired";

    /// <inheritdoc/>
    public override void Prepare()
    {
        // Builds the networks of the fuzz models, of the conformance streams' model and of the default shipped model
        // once, so that the first input to name one does not take another path than the rest (afl-fuzz sees that as
        // instability). Other shipped models are built when a stream first names them.
        NicCodec codec = _codec.Value;
        var image = new RgbImage(1, 1);
        foreach (string model in FuzzModels.ImageModels.Select(m => m.Name).Append(FuzzModels.ConformanceModel).Append(NicModelCatalog.DefaultModelName).Distinct())
        {
            byte[] file = codec.Encode(image, new NicEncodeOptions { Model = model });
            Decode(file, out _, out _);
        }
    }

    /// <inheritdoc/>
    public override string Execute(byte[] input)
    {
        byte[] data = ContainerLayout.RepairChecksums(input);
        string outcome = Decode(data, out RgbImage? image, out NicHeader? header);
        string read = ReaderTarget.ReadInMemory(data, Limits).Outcome;
        if (image is not null)
        {
            if (!read.StartsWith("ok", StringComparison.Ordinal))
            {
                throw new FuzzFindingException($"the decoder gave an image of a file NicFile.Read rejects ({read})");
            }

            NicHeader fileHeader = NicFile.Read(data, Limits).Header;
            if (fileHeader != header || image.Width != header.Width || image.Height != header.Height || image.Pixels.Length != (long)image.Width * image.Height * 3)
            {
                throw new FuzzFindingException($"the decoded image ({image.Width}×{image.Height}) does not match the header");
            }
        }
        else if (outcome.Contains('@', StringComparison.Ordinal) && read != outcome)
        {
            throw new FuzzFindingException($"the decoder stopped with {outcome}; NicFile.Read gives {read}");
        }

        return outcome;
    }

    private string Decode(byte[] data, out RgbImage? image, out NicHeader? header)
    {
        image = null;
        header = null;
        uint seed = ChunkedStream.SeedOf(data);
        try
        {
            using NicRowDecoder decoder = _codec.Value.OpenAsync(new ChunkedStream(data, seed, 1 + (int)(seed % 4096))).GetAwaiter().GetResult();
            header = decoder.Info.Header;
            image = decoder.ReadImageAsync().GetAwaiter().GetResult();
            if (decoder.SymbolsSha256 is not { Length: 32 })
            {
                throw new FuzzFindingException("a finished decode has no symbol hash");
            }

            return $"image {image.Width}×{image.Height} {decoder.Info.Model.Name}";
        }
        catch (Exception e) when (Outcomes.Describe(e, data.Length, DecodeErrors) is { } error)
        {
            image = null;
            return error;
        }
    }
}
