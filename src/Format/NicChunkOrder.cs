using System.Buffers;
using System.Diagnostics;

namespace Nic.Format;

/// <summary>
/// The chunk order of spec/nic-format.md §6: which chunk may come next, given the chunks accepted before it.
/// <see cref="CheckNext"/> applies rules 4 and 5 to a chunk's type and length, before its payload is awaited; a
/// chunk whose CRC has been checked is then accepted with <see cref="AcceptHead"/> or <see cref="Accept"/>, which
/// checks a band's index (rule 7). Rules 1–3 and 6 are the framing of <see cref="NicChunkParser"/>.
/// </summary>
internal sealed class NicChunkOrder
{
    private readonly int _maxMetadataLength;
    private NicMetadataItems _metadataSeen;

    /// <summary>Creates the state before the first chunk.</summary>
    /// <param name="maxMetadataLength">The longest metadata chunk payload accepted (rule 5).</param>
    public NicChunkOrder(int maxMetadataLength) => _maxMetadataLength = maxMetadataLength;

    /// <summary>The header of the accepted <c>HEAD</c> chunk; null before.</summary>
    public NicHeader? Header { get; private set; }

    /// <summary>True once the <c>ZSUB</c> chunk has been accepted.</summary>
    public bool ZSeen { get; private set; }

    /// <summary>True once a substream chunk (<c>ZSUB</c>, <c>YBND</c> or <c>DONE</c>) has been accepted.</summary>
    public bool SubstreamStarted { get; private set; }

    /// <summary>The number of <c>YBND</c> chunks accepted, which is the index the next one must carry.</summary>
    public int BandsRead { get; private set; }

    /// <summary>True once <c>DONE</c> has been accepted.</summary>
    public bool DoneRead { get; private set; }

    /// <summary>True for the substream chunks: <c>ZSUB</c>, <c>YBND</c> and <c>DONE</c>.</summary>
    public static bool IsSubstreamChunk(NicChunkType type) =>
        type == NicChunkType.ZSub || type == NicChunkType.YBnd || type == NicChunkType.Done;

    /// <summary>Checks the next chunk from its type and length alone (rules 4 and 5), changing nothing.</summary>
    /// <param name="type">The chunk type, one that passed rules 1–3.</param>
    /// <param name="offset">The file offset of the chunk, where errors are reported.</param>
    /// <param name="length">The payload length.</param>
    /// <exception cref="NicFormatException">The first rule the chunk breaks, in the order of the spec.</exception>
    public void CheckNext(NicChunkType type, long offset, int length)
    {
        var header = Header;
        if (header is null)
        {
            if (type != NicChunkType.Head)
            {
                throw new NicFormatException(NicFormatError.MissingChunk, offset, $"the first chunk is {type}; it must be HEAD.");
            }

            return;
        }

        if (type == NicChunkType.Head)
        {
            throw Duplicate(type, offset);
        }

        if (type.IsMetadata)
        {
            if (SubstreamStarted)
            {
                throw new NicFormatException(
                    NicFormatError.ChunkOutOfOrder, offset, $"metadata chunk {type} comes after a substream chunk.");
            }

            // An item is carried once, raw or compressed: iccp and iccz together are two ICC profiles.
            if ((_metadataSeen & type.MetadataItem) != 0)
            {
                throw new NicFormatException(
                    NicFormatError.DuplicateChunk, offset, $"a second {type.MetadataItem} chunk ({type}); the format allows one, raw or compressed.");
            }

            if (type.IsCompressedMetadata && length < NicConstants.CompressedMetadataPrefixLength)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength,
                    offset,
                    $"{type} chunk length {length} is below {NicConstants.CompressedMetadataPrefixLength}, the size of its method and uncompressed length.");
            }

            if (length > _maxMetadataLength)
            {
                throw new NicFormatException(
                    NicFormatError.LimitExceeded, offset, $"{type} chunk length {length} is above the metadata limit {_maxMetadataLength}.");
            }
        }
        else if (type == NicChunkType.ZSub)
        {
            if (!header.HasHyperprior)
            {
                throw new NicFormatException(
                    NicFormatError.UnexpectedChunk, offset, "ZSUB chunk in a file whose header declares no z latent.");
            }

            // A ZSUB after a YBND is a duplicate: a YBND is accepted only after the ZSUB.
            if (ZSeen)
            {
                throw Duplicate(type, offset);
            }
        }
        else if (type == NicChunkType.YBnd)
        {
            CheckZPresent(header, type, offset);
            if (BandsRead >= header.BandCount)
            {
                throw new NicFormatException(
                    NicFormatError.BandMismatch, offset, $"YBND chunk after all {header.BandCount} bands have been read.");
            }

            if (length < 4)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength, offset, $"YBND chunk length {length} is below 4, the size of the band index.");
            }
        }
        else if (type == NicChunkType.Done)
        {
            CheckZPresent(header, type, offset);
            if (BandsRead < header.BandCount)
            {
                throw new NicFormatException(
                    NicFormatError.MissingChunk, offset, $"DONE after {BandsRead} of {header.BandCount} YBND chunks.");
            }

            if (length != 0)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength, offset, $"DONE chunk length is {length}; it must be 0.");
            }
        }
    }

    /// <summary>Accepts the <c>HEAD</c> chunk, once <see cref="CheckNext"/> passed it and its payload parsed.</summary>
    /// <param name="header">The header its payload holds.</param>
    public void AcceptHead(NicHeader header)
    {
        Debug.Assert(Header is null, "CheckNext rejects a second HEAD.");
        Header = header;
    }

    /// <summary>
    /// Accepts a chunk other than <c>HEAD</c> that <see cref="CheckNext"/> passed and whose CRC has been checked; a
    /// <c>YBND</c> must carry the next band index (rule 7).
    /// </summary>
    /// <param name="chunk">The chunk.</param>
    /// <exception cref="NicFormatException"><see cref="NicFormatError.BandMismatch"/>: a band index other than <see cref="BandsRead"/>.</exception>
    public void Accept(in NicChunkFrame chunk)
    {
        var type = chunk.Type;
        Debug.Assert(type != NicChunkType.Head, "HEAD is accepted with AcceptHead.");
        if (type.IsMetadata)
        {
            _metadataSeen |= type.MetadataItem;
        }
        else if (type == NicChunkType.ZSub)
        {
            ZSeen = true;
            SubstreamStarted = true;
        }
        else if (type == NicChunkType.YBnd)
        {
            var index = ReadBandIndex(chunk.Payload);
            if (index != BandsRead)
            {
                throw new NicFormatException(
                    NicFormatError.BandMismatch, chunk.Offset, $"YBND chunk has band index {index}; the next band is {BandsRead}.");
            }

            BandsRead++;
            SubstreamStarted = true;
        }
        else if (type == NicChunkType.Done)
        {
            DoneRead = true;
            SubstreamStarted = true;
        }
    }

    private static NicFormatException Duplicate(NicChunkType type, long offset) =>
        new(NicFormatError.DuplicateChunk, offset, $"a second {type} chunk; the format allows one.");

    private static uint ReadBandIndex(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        reader.TryReadLittleEndian(out int index);
        return (uint)index;
    }

    private void CheckZPresent(NicHeader header, NicChunkType type, long offset)
    {
        if (header.HasHyperprior && !ZSeen)
        {
            throw new NicFormatException(NicFormatError.MissingChunk, offset, $"{type} chunk before the required ZSUB chunk.");
        }
    }
}
