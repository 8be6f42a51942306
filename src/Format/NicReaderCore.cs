using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;

namespace Nic.Format;

/// <summary>
/// The per-file state of a <see cref="NicReader"/> and the only code that touches its pipe: it takes bytes from the
/// pipe, has <see cref="NicChunkParser"/> parse them, feeds each chunk to the order rules of
/// <see cref="NicChunkOrder"/> and keeps the header and metadata (spec/nic-format.md §2–§8). When a structure is not
/// all present it waits for more, or reports <see cref="NicFormatError.Truncated"/> when the input has ended.
/// </summary>
/// <remarks>
/// The buffer always starts at the first byte the reader has not released. A chunk handed
/// to the caller stays in the buffer (zero copy) until the next call, which releases it.
/// A chunk read ahead (the first substream chunk, found while reading metadata) stays in
/// the buffer until it is handed out.
/// </remarks>
internal sealed class NicReaderCore
{
    private readonly PipeReader _pipe;
    private readonly NicReaderOptions _options;
    private readonly NicChunkOrder _order;
    private ReadOnlySequence<byte> _buffer;
    private bool _hasBuffer;
    private bool _pipeCompleted;
    private long _bufferOffset;
    private long _handedOutLength;
    private bool _metadataEnded;
    private byte[]? _icc;
    private byte[]? _exif;
    private byte[]? _xmp;

    /// <summary>Creates the state before the first byte of a file.</summary>
    public NicReaderCore(PipeReader pipe, NicReaderOptions options)
    {
        _pipe = pipe;
        _options = options;
        _order = new NicChunkOrder(options.MaxMetadataLength);
    }

    /// <summary>The header, once <c>HEAD</c> has been accepted; otherwise null.</summary>
    public NicHeader? Header => _order.Header;

    /// <summary>The version in the file, once the preamble has been read; otherwise null.</summary>
    public Version? FormatVersion { get; private set; }

    /// <summary>Reads up to and including <c>HEAD</c>; see <see cref="NicReader.ReadHeaderAsync"/>.</summary>
    public async ValueTask<NicHeader> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        NicHeader? header;
        while ((header = Header) is null)
        {
            var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
            HandOut(chunk);
        }

        return header;
    }

    /// <summary>Reads the chunks up to the first substream chunk; see <see cref="NicReader.ReadMetadataAsync"/>.</summary>
    public async ValueTask<NicMetadata> ReadMetadataAsync(CancellationToken cancellationToken)
    {
        await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        while (!_order.SubstreamStarted && !_metadataEnded)
        {
            // The metadata ends where a substream chunk starts: its 8-byte header is enough to tell, so the
            // substream's payload is not waited for (an Identify reads no further than that).
            if (await PeekChunkTypeAsync(cancellationToken).ConfigureAwait(false) is { } next && NicChunkOrder.IsSubstreamChunk(next))
            {
                _metadataEnded = true;
                break;
            }

            HandOut(await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false));
        }

        return new NicMetadata { IccProfile = _icc, Exif = _exif, Xmp = _xmp };
    }

    /// <summary>Reads the <c>ZSUB</c> chunk; see <see cref="NicReader.ReadZSubstreamAsync"/>.</summary>
    public async ValueTask<ReadOnlySequence<byte>> ReadZSubstreamAsync(CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (!header.HasHyperprior)
        {
            throw new InvalidOperationException("The header declares no z latent, so the file has no z substream.");
        }

        await ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_order.ZSeen)
        {
            throw new InvalidOperationException("The z substream has already been read or passed.");
        }

        // Any chunk other than ZSUB here breaks the order rules and is reported by ReadNextChunkAsync.
        var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
        HandOut(chunk);
        return chunk.Payload;
    }

    /// <summary>Reads the next <c>YBND</c>, or <c>DONE</c> and the end; see <see cref="NicReader.ReadNextBandAsync"/>.</summary>
    public async ValueTask<NicBand?> ReadNextBandAsync(CancellationToken cancellationToken)
    {
        await ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_order.DoneRead)
        {
            return null;
        }

        while (true)
        {
            var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
            HandOut(chunk);
            if (chunk.Type == NicChunkType.YBnd)
            {
                var index = _order.BandsRead - 1;
                var header = Header!;
                return new NicBand(
                    index,
                    header.GetBandFirstRow(index),
                    header.GetBandRowCount(index),
                    chunk.Offset,
                    chunk.Payload.Slice(4));
            }

            if (chunk.Type == NicChunkType.Done)
            {
                return null;
            }
        }
    }

    /// <summary>Reads the next chunk of any type; see <see cref="NicReader.ReadChunkAsync"/>.</summary>
    public async ValueTask<NicChunkInfo?> ReadChunkAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (_order.DoneRead)
        {
            return null;
        }

        var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
        HandOut(chunk);
        return new NicChunkInfo(chunk);
    }

    /// <summary>Gives the pipe back everything examined, before the pipe is completed.</summary>
    public void ReleaseBuffer()
    {
        if (_hasBuffer)
        {
            _hasBuffer = false;
            _pipe.AdvanceTo(_buffer.Start, _buffer.End);
        }
    }

    /// <summary>The type of the next chunk once its 8-byte header has arrived, without reading it; null when the type bytes are not a type.</summary>
    private async ValueTask<NicChunkType?> PeekChunkTypeAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (FormatVersion is null)
        {
            await ReadPreambleAsync(cancellationToken).ConfigureAwait(false);
        }

        NicChunkType? type;
        while (!TryPeekChunkType(out type))
        {
            await NeedMoreAsync(NicConstants.ChunkHeaderLength, _bufferOffset, null, cancellationToken).ConfigureAwait(false);
        }

        return type;
    }

    /// <summary>Keeps a chunk handed to the caller in the buffer until the next call.</summary>
    private void HandOut(in NicChunkFrame chunk) => _handedOutLength = chunk.TotalLength;

    /// <summary>Drops the chunk handed out by the previous call from the buffer.</summary>
    private void ReleaseHandedOut()
    {
        if (_handedOutLength > 0)
        {
            _buffer = _buffer.Slice(_handedOutLength);
            _bufferOffset += _handedOutLength;
            _handedOutLength = 0;
        }
    }

    /// <summary>Reads, checks and accepts the chunk at the start of the buffer (spec §6, in the order of its rules).</summary>
    private async ValueTask<NicChunkFrame> ReadNextChunkAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (FormatVersion is null)
        {
            await ReadPreambleAsync(cancellationToken).ConfigureAwait(false);
        }

        var offset = _bufferOffset;
        NicChunkType type;
        int length;
        while (!TryParseChunkHeader(offset, out type, out length))
        {
            await NeedMoreAsync(NicConstants.ChunkHeaderLength, offset, null, cancellationToken).ConfigureAwait(false);
        }

        _order.CheckNext(type, offset, length);

        // The header says how many bytes the chunk needs: the chunk is parsed once they are all present, not again
        // at each read while the payload arrives.
        var needed = NicConstants.ChunkHeaderLength + (long)length + NicConstants.ChunkCrcLength;
        NicChunkFrame chunk;
        while (_buffer.Length < needed || !TryParseChunk(offset, out chunk))
        {
            await NeedMoreAsync(needed, offset, type, cancellationToken).ConfigureAwait(false);
        }

        AcceptChunk(chunk);
        if (type == NicChunkType.Done)
        {
            await ReadEndAsync(offset + chunk.TotalLength, chunk.TotalLength, cancellationToken).ConfigureAwait(false);
        }

        return chunk;
    }

    /// <summary>Reads the signature and version, which start the buffer; <see cref="NicFormatError.Truncated"/> when the input ends inside them.</summary>
    private async ValueTask ReadPreambleAsync(CancellationToken cancellationToken)
    {
        Version? version;
        while (!TryParsePreamble(out version))
        {
            if (_pipeCompleted)
            {
                var at = _buffer.Length < NicConstants.Signature.Length ? 0 : NicConstants.Signature.Length;
                throw new NicFormatException(
                    NicFormatError.Truncated,
                    at,
                    $"the file ends after {_buffer.Length} bytes, inside the {(at == 0 ? "signature" : "version")}.");
            }

            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        }

        FormatVersion = version;
        _buffer = _buffer.Slice(NicConstants.PreambleLength);
        _bufferOffset = NicConstants.PreambleLength;
    }

    /// <summary>
    /// Accepts a chunk whose CRC has been checked (spec §6 rule 7): parses <c>HEAD</c>, has the order rules accept the
    /// chunk and keeps a copy of a metadata item, decompressing a compressed one.
    /// </summary>
    private void AcceptChunk(in NicChunkFrame chunk)
    {
        var type = chunk.Type;
        if (type == NicChunkType.Head)
        {
            _order.AcceptHead(NicHeaderCodec.Parse(chunk.Payload, FormatVersion!.Minor, _options));
            return;
        }

        _order.Accept(chunk);
        if (!type.IsMetadata)
        {
            return;
        }

        // A compressed item is restored here, once its CRC has been checked (spec §5.4); its declared length is checked
        // against the metadata limit before its buffer is allocated.
        var item = type.IsCompressedMetadata
            ? NicMetadataCompression.Decompress(chunk.Payload, type, chunk.Offset, _options.MaxMetadataLength)
            : chunk.Payload.ToArray();
        switch (type.MetadataItem)
        {
            case NicMetadataItems.IccProfile:
                _icc = item;
                break;
            case NicMetadataItems.Exif:
                _exif = item;
                break;
            default:
                _xmp = item;
                break;
        }
    }

    /// <summary>Requires the input to end right after <c>DONE</c>, which starts the buffer.</summary>
    private async ValueTask ReadEndAsync(long endOffset, long doneLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_buffer.Length > doneLength)
            {
                throw new NicFormatException(NicFormatError.TrailingData, endOffset, "bytes follow the DONE chunk.");
            }

            if (_pipeCompleted)
            {
                return;
            }

            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for more of the structure at <paramref name="structureOffset"/>, which needs <paramref name="needed"/> bytes
    /// from there, more than the buffer holds; <see cref="NicFormatError.Truncated"/> when the input has ended.
    /// </summary>
    /// <param name="needed">The bytes the structure needs.</param>
    /// <param name="structureOffset">The file offset of the structure.</param>
    /// <param name="chunkType">The type of the chunk whose header has been read, or null for a chunk header.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    private ValueTask NeedMoreAsync(long needed, long structureOffset, NicChunkType? chunkType, CancellationToken cancellationToken)
    {
        if (_pipeCompleted)
        {
            var structure = chunkType is { } type ? $"{type} chunk" : "chunk header";
            throw new NicFormatException(
                NicFormatError.Truncated,
                structureOffset,
                $"the file ends inside the {structure}: {needed} bytes needed from here, {_buffer.Length} present.");
        }

        return ReadMoreAsync(cancellationToken);
    }

    /// <summary>Tells the pipe that everything present was examined and waits for more.</summary>
    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_hasBuffer)
        {
            _hasBuffer = false;
            _pipe.AdvanceTo(_buffer.Start, _buffer.End);
        }

        var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
        _buffer = result.Buffer;
        _hasBuffer = true;
        _pipeCompleted = result.IsCompleted;
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The pending read on the pipe was canceled.");
        }
    }

    /// <summary>Parses the preamble at the start of the buffer.</summary>
    private bool TryParsePreamble([NotNullWhen(true)] out Version? version)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadPreamble(ref reader, out version);
    }

    /// <summary>The type of the chunk at the start of the buffer, when its header is present.</summary>
    private bool TryPeekChunkType(out NicChunkType? type)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryPeekChunkType(reader, out type);
    }

    /// <summary>Parses the header of the chunk at the start of the buffer.</summary>
    private bool TryParseChunkHeader(long offset, out NicChunkType type, out int length)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadChunkHeader(ref reader, offset, _options.MaxChunkLength, out type, out length);
    }

    /// <summary>Parses the whole chunk at the start of the buffer.</summary>
    private bool TryParseChunk(long offset, out NicChunkFrame chunk)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadChunk(ref reader, offset, _options.MaxChunkLength, out chunk);
    }
}
