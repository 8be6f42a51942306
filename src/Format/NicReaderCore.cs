using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;

namespace Nic.Format;

/// <summary>
/// The per-file state of a <see cref="NicReader"/>: the buffer taken from the pipe, the
/// position in the file and the chunk order state machine (spec/nic-format.md §2–§8).
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
    private ReadOnlySequence<byte> _buffer;
    private bool _hasBuffer;
    private bool _pipeCompleted;
    private long _bufferOffset;
    private long _handedOutLength;
    private bool _metadataEnded;
    private bool _iccSeen;
    private bool _exifSeen;
    private bool _xmpSeen;
    private bool _zSeen;
    private bool _substreamStarted;
    private int _bandsRead;
    private bool _doneRead;
    private byte[]? _icc;
    private byte[]? _exif;
    private byte[]? _xmp;

    public NicReaderCore(PipeReader pipe, NicReaderOptions options)
    {
        _pipe = pipe;
        _options = options;
    }

    public NicHeader? Header { get; private set; }

    public Version? FormatVersion { get; private set; }

    public async ValueTask<NicHeader> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        while (Header is null)
        {
            var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
            HandOut(chunk);
        }

        return Header;
    }

    public async ValueTask<NicMetadata> ReadMetadataAsync(CancellationToken cancellationToken)
    {
        await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        while (!_substreamStarted && !_metadataEnded)
        {
            // The metadata ends where a substream chunk starts: its 8-byte header is enough to tell, so the
            // substream's payload is not waited for (an Identify reads no further than that).
            if (await PeekChunkTypeAsync(cancellationToken).ConfigureAwait(false) is { } next && IsSubstreamChunk(next))
            {
                _metadataEnded = true;
                break;
            }

            HandOut(await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false));
        }

        return new NicMetadata { IccProfile = _icc, Exif = _exif, Xmp = _xmp };
    }

    public async ValueTask<ReadOnlySequence<byte>> ReadZSubstreamAsync(CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (!header.HasHyperprior)
        {
            throw new InvalidOperationException("The header declares no z latent, so the file has no z substream.");
        }

        await ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_zSeen)
        {
            throw new InvalidOperationException("The z substream has already been read or passed.");
        }

        // Any chunk other than ZSUB here breaks the order rules and is reported by ReadNextChunkAsync.
        var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
        HandOut(chunk);
        return chunk.Payload;
    }

    public async ValueTask<NicBand?> ReadNextBandAsync(CancellationToken cancellationToken)
    {
        await ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_doneRead)
        {
            return null;
        }

        while (true)
        {
            var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
            HandOut(chunk);
            if (chunk.Type == NicChunkType.YBnd)
            {
                var index = _bandsRead - 1;
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

    public async ValueTask<NicChunkInfo?> ReadChunkAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (_doneRead)
        {
            return null;
        }

        var chunk = await ReadNextChunkAsync(cancellationToken).ConfigureAwait(false);
        HandOut(chunk);
        return new NicChunkInfo(chunk.Type, chunk.Offset, chunk.Length, chunk.Crc, chunk.Payload);
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

    private static bool IsSubstreamChunk(NicChunkType type) =>
        type == NicChunkType.ZSub || type == NicChunkType.YBnd || type == NicChunkType.Done;

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

    private void HandOut(in NicChunkFrame chunk) => _handedOutLength = chunk.TotalLength;

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

        CheckChunkHeader(type, offset, length);
        NicChunkFrame chunk;
        while (!TryParseChunk(offset, out chunk))
        {
            var needed = NicConstants.ChunkHeaderLength + (long)length + NicConstants.ChunkCrcLength;
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

    /// <summary>Checks a chunk from its length and type alone, before its payload is awaited (spec §6 rules 4–5).</summary>
    private void CheckChunkHeader(NicChunkType type, long offset, int length)
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

        if (type == NicChunkType.Iccp || type == NicChunkType.Exif || type == NicChunkType.Xmpp)
        {
            if (_substreamStarted)
            {
                throw new NicFormatException(
                    NicFormatError.ChunkOutOfOrder, offset, $"metadata chunk {type} comes after a substream chunk.");
            }

            if ((type == NicChunkType.Iccp && _iccSeen) || (type == NicChunkType.Exif && _exifSeen) || (type == NicChunkType.Xmpp && _xmpSeen))
            {
                throw Duplicate(type, offset);
            }

            if (length > _options.MaxMetadataLength)
            {
                throw new NicFormatException(
                    NicFormatError.LimitExceeded, offset, $"{type} chunk length {length} is above the metadata limit {_options.MaxMetadataLength}.");
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
            if (_zSeen)
            {
                throw Duplicate(type, offset);
            }
        }
        else if (type == NicChunkType.YBnd)
        {
            CheckZPresent(header, type, offset);
            if (_bandsRead >= header.BandCount)
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
            if (_bandsRead < header.BandCount)
            {
                throw new NicFormatException(
                    NicFormatError.MissingChunk, offset, $"DONE after {_bandsRead} of {header.BandCount} YBND chunks.");
            }

            if (length != 0)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength, offset, $"DONE chunk length is {length}; it must be 0.");
            }
        }
    }

    private void CheckZPresent(NicHeader header, NicChunkType type, long offset)
    {
        if (header.HasHyperprior && !_zSeen)
        {
            throw new NicFormatException(NicFormatError.MissingChunk, offset, $"{type} chunk before the required ZSUB chunk.");
        }
    }

    private static NicFormatException Duplicate(NicChunkType type, long offset) =>
        new(NicFormatError.DuplicateChunk, offset, $"a second {type} chunk; the format allows one.");

    /// <summary>Applies a chunk whose CRC has been checked (spec §6 rule 7).</summary>
    private void AcceptChunk(in NicChunkFrame chunk)
    {
        var type = chunk.Type;
        var payload = chunk.Payload;
        if (type == NicChunkType.Head)
        {
            Header = NicHeaderCodec.Parse(payload, FormatVersion!.Minor, _options);
        }
        else if (type == NicChunkType.Iccp)
        {
            _iccSeen = true;
            _icc = payload.ToArray();
        }
        else if (type == NicChunkType.Exif)
        {
            _exifSeen = true;
            _exif = payload.ToArray();
        }
        else if (type == NicChunkType.Xmpp)
        {
            _xmpSeen = true;
            _xmp = payload.ToArray();
        }
        else if (type == NicChunkType.ZSub)
        {
            _zSeen = true;
            _substreamStarted = true;
        }
        else if (type == NicChunkType.YBnd)
        {
            var index = ReadUInt32(payload.Slice(0, 4));
            if (index != _bandsRead)
            {
                throw new NicFormatException(
                    NicFormatError.BandMismatch, chunk.Offset, $"YBND chunk has band index {index}; the next band is {_bandsRead}.");
            }

            _bandsRead++;
            _substreamStarted = true;
        }
        else if (type == NicChunkType.Done)
        {
            _doneRead = true;
            _substreamStarted = true;
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

    private bool TryParsePreamble([NotNullWhen(true)] out Version? version)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadPreamble(ref reader, out version);
    }

    private bool TryPeekChunkType(out NicChunkType? type)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryPeekChunkType(reader, out type);
    }

    private bool TryParseChunkHeader(long offset, out NicChunkType type, out int length)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadChunkHeader(ref reader, offset, _options.MaxChunkLength, out type, out length);
    }

    private bool TryParseChunk(long offset, out NicChunkFrame chunk)
    {
        var reader = new SequenceReader<byte>(_buffer);
        return NicChunkParser.TryReadChunk(ref reader, offset, _options.MaxChunkLength, out chunk);
    }

    private static uint ReadUInt32(ReadOnlySequence<byte> bytes)
    {
        var reader = new SequenceReader<byte>(bytes);
        reader.TryReadLittleEndian(out int value);
        return (uint)value;
    }
}
