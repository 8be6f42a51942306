using System.Buffers;
using System.IO.Hashing;
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
    private bool _preambleRead;
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
        return PayloadOf(chunk);
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
                    PayloadOf(chunk).Slice(4));
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
        return new NicChunkInfo(chunk.Type, chunk.Offset, chunk.Length, chunk.Crc, PayloadOf(chunk));
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

    private ReadOnlySequence<byte> PayloadOf(ParsedChunk chunk) =>
        _buffer.Slice(NicConstants.ChunkHeaderLength, chunk.Length);

    /// <summary>The type of the next chunk once its 8-byte header has arrived, without reading it; null when the type bytes are not a type.</summary>
    private async ValueTask<NicChunkType?> PeekChunkTypeAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (!_preambleRead)
        {
            await ReadPreambleAsync(cancellationToken).ConfigureAwait(false);
        }

        await EnsureAsync(NicConstants.ChunkHeaderLength, _bufferOffset, "chunk header", cancellationToken).ConfigureAwait(false);
        var (_, typeBytes) = ReadChunkHeader(_buffer);
        return NicChunkType.TryCreate(typeBytes, out var type) ? type : null;
    }

    private void HandOut(ParsedChunk chunk) => _handedOutLength = chunk.TotalLength;

    private void ReleaseHandedOut()
    {
        if (_handedOutLength > 0)
        {
            _buffer = _buffer.Slice(_handedOutLength);
            _bufferOffset += _handedOutLength;
            _handedOutLength = 0;
        }
    }

    /// <summary>Reads, checks and accepts the chunk at the start of the buffer.</summary>
    private async ValueTask<ParsedChunk> ReadNextChunkAsync(CancellationToken cancellationToken)
    {
        ReleaseHandedOut();
        if (!_preambleRead)
        {
            await ReadPreambleAsync(cancellationToken).ConfigureAwait(false);
        }

        var offset = _bufferOffset;
        await EnsureAsync(NicConstants.ChunkHeaderLength, offset, "chunk header", cancellationToken).ConfigureAwait(false);
        var (length, typeBytes) = ReadChunkHeader(_buffer);
        if (!NicChunkType.TryCreate(typeBytes, out var type))
        {
            throw new NicFormatException(
                NicFormatError.InvalidChunkType, offset, $"chunk type bytes 0x{typeBytes:X8} (little-endian) are not four ASCII letters.");
        }

        if (length > NicConstants.MaxChunkLength || length > (uint)_options.MaxChunkLength)
        {
            throw new NicFormatException(
                NicFormatError.ChunkTooLarge,
                offset,
                $"{type} chunk length {length} is above the limit {Math.Min(NicConstants.MaxChunkLength, _options.MaxChunkLength)}.");
        }

        var chunk = new ParsedChunk(type, offset, (int)length, 0);
        CheckChunkHeader(chunk);
        await EnsureAsync(chunk.TotalLength, offset, $"{type} chunk", cancellationToken).ConfigureAwait(false);

        var crc = ComputeCrc(_buffer.Slice(4, 4 + chunk.Length));
        var storedCrc = ReadUInt32(_buffer.Slice(NicConstants.ChunkHeaderLength + chunk.Length, 4));
        if (crc != storedCrc)
        {
            throw new NicFormatException(
                NicFormatError.BadChecksum, offset, $"{type} chunk CRC is 0x{storedCrc:X8}; its contents give 0x{crc:X8}.");
        }

        chunk = chunk with { Crc = crc };
        AcceptChunk(chunk, PayloadOf(chunk));
        if (type == NicChunkType.Done)
        {
            await ReadEndAsync(offset + chunk.TotalLength, chunk.TotalLength, cancellationToken).ConfigureAwait(false);
        }

        return chunk;
    }

    private async ValueTask ReadPreambleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var examined = (int)Math.Min(_buffer.Length, NicConstants.Signature.Length);
            if (!MatchesSignaturePrefix(_buffer.Slice(0, examined)))
            {
                throw new NicFormatException(NicFormatError.BadSignature, 0, "the file does not start with the .nic signature.");
            }

            if (_buffer.Length >= NicConstants.PreambleLength)
            {
                break;
            }

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

        var (major, minor) = ReadVersion(_buffer);
        if (major != NicConstants.MajorVersion)
        {
            throw new NicFormatException(
                NicFormatError.UnsupportedVersion,
                NicConstants.Signature.Length,
                $"version {major}.{minor} is not readable; this reader reads major version {NicConstants.MajorVersion}.");
        }

        FormatVersion = new Version(major, minor);
        _buffer = _buffer.Slice(NicConstants.PreambleLength);
        _bufferOffset = NicConstants.PreambleLength;
        _preambleRead = true;
    }

    /// <summary>Checks a chunk from its length and type alone, before its payload is awaited (spec §6 rules 3–5).</summary>
    private void CheckChunkHeader(ParsedChunk chunk)
    {
        var type = chunk.Type;
        var offset = chunk.Offset;
        if (type.IsCritical && !type.IsKnown)
        {
            throw new NicFormatException(NicFormatError.UnknownCriticalChunk, offset, $"critical chunk type {type} is not defined by version 1.");
        }

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

            if (chunk.Length > _options.MaxMetadataLength)
            {
                throw new NicFormatException(
                    NicFormatError.LimitExceeded, offset, $"{type} chunk length {chunk.Length} is above the metadata limit {_options.MaxMetadataLength}.");
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

            if (chunk.Length < 4)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength, offset, $"YBND chunk length {chunk.Length} is below 4, the size of the band index.");
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

            if (chunk.Length != 0)
            {
                throw new NicFormatException(
                    NicFormatError.InvalidChunkLength, offset, $"DONE chunk length is {chunk.Length}; it must be 0.");
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
    private void AcceptChunk(ParsedChunk chunk, ReadOnlySequence<byte> payload)
    {
        var type = chunk.Type;
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

    private async ValueTask EnsureAsync(long needed, long structureOffset, string structure, CancellationToken cancellationToken)
    {
        while (_buffer.Length < needed)
        {
            if (_pipeCompleted)
            {
                throw new NicFormatException(
                    NicFormatError.Truncated,
                    structureOffset,
                    $"the file ends inside the {structure}: {needed} bytes needed from here, {_buffer.Length} present.");
            }

            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
        }
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

    private static bool MatchesSignaturePrefix(ReadOnlySequence<byte> bytes)
    {
        Span<byte> copy = stackalloc byte[8];
        bytes.CopyTo(copy);
        return copy[..(int)bytes.Length].SequenceEqual(NicConstants.Signature[..(int)bytes.Length]);
    }

    private static (int Major, int Minor) ReadVersion(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(NicConstants.Signature.Length);
        reader.TryRead(out var major);
        reader.TryRead(out var minor);
        return (major, minor);
    }

    private static (uint Length, uint Type) ReadChunkHeader(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.TryReadLittleEndian(out int length);
        reader.TryReadLittleEndian(out int type);
        return ((uint)length, (uint)type);
    }

    private static uint ReadUInt32(ReadOnlySequence<byte> bytes)
    {
        var reader = new SequenceReader<byte>(bytes);
        reader.TryReadLittleEndian(out int value);
        return (uint)value;
    }

    private static uint ComputeCrc(ReadOnlySequence<byte> typeAndPayload)
    {
        var crc = new Crc32();
        foreach (var segment in typeAndPayload)
        {
            crc.Append(segment.Span);
        }

        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>A chunk whose header has been read: its type, file offset, payload length and CRC.</summary>
    private readonly record struct ParsedChunk(NicChunkType Type, long Offset, int Length, uint Crc)
    {
        public long TotalLength => NicConstants.ChunkHeaderLength + (long)Length + NicConstants.ChunkCrcLength;
    }
}
