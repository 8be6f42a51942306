using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.Pipelines;

namespace Nic.Format;

/// <summary>
/// Writes a <c>.nic</c> container (spec/nic-format.md) to a stream or a pipe, chunk by chunk.
/// </summary>
/// <remarks>
/// Call, in this order: <see cref="WriteHeader"/>, optionally <see cref="WriteMetadata(NicMetadata)"/>,
/// <see cref="WriteZSubstream"/> when the header has a z latent, <see cref="WriteBand"/> once
/// per band, and <see cref="Complete"/>. Calls out of order throw
/// <see cref="InvalidOperationException"/>: they are bugs in the caller, not format errors.
/// The file's minor version is the lowest one whose chunk types it uses (spec §4): 1 when a metadata item is stored
/// compressed, else 0. It depends on the metadata, so the signature, version and <c>HEAD</c> chunk are written by the
/// call after <see cref="WriteHeader"/>, together with that call's chunks.
/// With a <see cref="PipeWriter"/> the asynchronous methods flush after each chunk; the
/// synchronous ones leave the bytes in the pipe's buffer until the next flush or until the
/// writer is disposed (which completes the pipe). A writer is not thread-safe.
/// </remarks>
public sealed class NicWriter : IAsyncDisposable, IDisposable
{
    private readonly NicOutput _output;
    private readonly byte[] _frame = new byte[NicConstants.ChunkHeaderLength + NicConstants.ChunkCrcLength];
    private Stage _stage;
    private NicHeader? _header;
    private byte[]? _pendingHead;
    private bool _disposed;

    /// <summary>Creates a writer that writes to a stream.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="leaveOpen">True to leave the stream open when the writer is disposed.</param>
    public NicWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        _output = new StreamNicOutput(stream, leaveOpen);
    }

    /// <summary>Creates a writer that writes to a pipe.</summary>
    /// <param name="writer">The pipe to write to.</param>
    /// <param name="leaveOpen">True to leave the pipe uncompleted when the writer is disposed.</param>
    public NicWriter(PipeWriter writer, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _output = new PipeNicOutput(writer, leaveOpen);
    }

    private enum Stage
    {
        Start,
        HeaderWritten,
        MetadataWritten,
        ZSubstreamWritten,
        Completed,
    }

    /// <summary>The number of bands written so far.</summary>
    public int BandsWritten { get; private set; }

    /// <summary>
    /// Validates the header, which the next call writes after the signature and the version (the minor version depends
    /// on the metadata chunks; see the remarks).
    /// </summary>
    /// <param name="header">The header; it is validated first.</param>
    /// <exception cref="ArgumentException">The header breaks a rule of the format.</exception>
    /// <exception cref="InvalidOperationException">A header has already been written.</exception>
    public void WriteHeader(NicHeader header) => BeginHeader(header);

    /// <inheritdoc cref="WriteHeader"/>
    /// <param name="header">The header; it is validated first.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A completed task: the header is written with the next call.</returns>
    public ValueTask WriteHeaderAsync(NicHeader header, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        BeginHeader(header);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Writes a metadata chunk for each item present: the compressed chunk (<c>iccz</c>, <c>exfz</c>, <c>xmpz</c>,
    /// version 1.1) when it is smaller than the item, else the raw one (<c>iccp</c>, <c>exif</c>, <c>xmpp</c>).
    /// </summary>
    /// <param name="metadata">The metadata.</param>
    /// <exception cref="InvalidOperationException">Not called right after <see cref="WriteHeader"/>.</exception>
    public void WriteMetadata(NicMetadata metadata) => WriteMetadata(metadata, compress: true);

    /// <summary>Writes a metadata chunk for each item present, compressed when <paramref name="compress"/> is set and that is smaller.</summary>
    /// <param name="metadata">The metadata.</param>
    /// <param name="compress">
    /// False to write only the raw chunks of version 1.0, so that a reader of version 1.0 also returns the metadata
    /// (it skips the compressed chunks, which it does not know).
    /// </param>
    /// <exception cref="InvalidOperationException">Not called right after <see cref="WriteHeader"/>.</exception>
    public void WriteMetadata(NicMetadata metadata, bool compress)
    {
        var chunks = BeginMetadata(metadata, compress);
        WritePendingHead(MinorVersionFor(chunks));
        foreach (var (type, bytes) in chunks)
        {
            WriteChunk(type, default, bytes);
        }
    }

    /// <inheritdoc cref="WriteMetadata(NicMetadata)"/>
    /// <param name="metadata">The metadata.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the chunks have been written.</returns>
    public ValueTask WriteMetadataAsync(NicMetadata metadata, CancellationToken cancellationToken = default) =>
        WriteMetadataAsync(metadata, compress: true, cancellationToken);

    /// <inheritdoc cref="WriteMetadata(NicMetadata, bool)"/>
    /// <param name="metadata">The metadata.</param>
    /// <param name="compress">False to write only the raw chunks of version 1.0.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the chunks have been written.</returns>
    public async ValueTask WriteMetadataAsync(NicMetadata metadata, bool compress, CancellationToken cancellationToken = default)
    {
        var chunks = BeginMetadata(metadata, compress);
        await WritePendingHeadAsync(MinorVersionFor(chunks), cancellationToken).ConfigureAwait(false);
        foreach (var (type, bytes) in chunks)
        {
            await WriteChunkAsync(type, default, bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the <c>ZSUB</c> chunk.</summary>
    /// <param name="substream">The coded z substream.</param>
    /// <exception cref="InvalidOperationException">The header has no z latent, or the call is out of order.</exception>
    public void WriteZSubstream(ReadOnlySpan<byte> substream)
    {
        BeginZSubstream();
        WritePendingHead(0);
        WriteChunk(NicChunkType.ZSub, default, substream);
    }

    /// <inheritdoc cref="WriteZSubstream"/>
    /// <param name="substream">The coded z substream.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the chunk has been written.</returns>
    public async ValueTask WriteZSubstreamAsync(ReadOnlyMemory<byte> substream, CancellationToken cancellationToken = default)
    {
        BeginZSubstream();
        await WritePendingHeadAsync(0, cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(NicChunkType.ZSub, default, substream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the next <c>YBND</c> chunk; its index is the number of bands written before.</summary>
    /// <param name="coded">The band's coded bytes.</param>
    /// <exception cref="InvalidOperationException">All bands are written, the z substream is missing, or the call is out of order.</exception>
    /// <exception cref="ArgumentException">The band is too long for a chunk.</exception>
    public void WriteBand(ReadOnlySpan<byte> coded)
    {
        Span<byte> index = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(index, (uint)BeginBand(coded.Length));
        WritePendingHead(0);
        WriteChunk(NicChunkType.YBnd, index, coded);
        BandsWritten++;
    }

    /// <inheritdoc cref="WriteBand"/>
    /// <param name="coded">The band's coded bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the chunk has been written.</returns>
    public async ValueTask WriteBandAsync(ReadOnlyMemory<byte> coded, CancellationToken cancellationToken = default)
    {
        var index = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(index, (uint)BeginBand(coded.Length));
        await WritePendingHeadAsync(0, cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(NicChunkType.YBnd, index, coded, cancellationToken).ConfigureAwait(false);
        BandsWritten++;
    }

    /// <summary>Writes the <c>DONE</c> chunk and flushes.</summary>
    /// <exception cref="InvalidOperationException">A band or the z substream is missing.</exception>
    public void Complete()
    {
        BeginComplete();
        WritePendingHead(0);
        WriteChunk(NicChunkType.Done, default, default);
        _output.Flush();
        _stage = Stage.Completed;
    }

    /// <inheritdoc cref="Complete"/>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the chunk has been written and flushed.</returns>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        BeginComplete();
        await WritePendingHeadAsync(0, cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(NicChunkType.Done, default, default, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stage = Stage.Completed;
    }

    /// <summary>Closes the stream or completes the pipe, unless it was to be left open. Does not write <c>DONE</c>.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _output.Dispose();
        }
    }

    /// <summary>Closes the stream or completes the pipe, unless it was to be left open. Does not write <c>DONE</c>.</summary>
    /// <returns>A task that completes when the output has been closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void WritePreamble(Span<byte> destination, byte minorVersion)
    {
        NicConstants.Signature.CopyTo(destination);
        destination[8] = NicConstants.MajorVersion;
        destination[9] = minorVersion;
    }

    /// <summary>The chunk of each item present, in the order ICC, EXIF, XMP: compressed when asked for and smaller (spec §5.4).</summary>
    private static List<(NicChunkType Type, byte[] Bytes)> MetadataChunks(NicMetadata metadata, bool compress)
    {
        var chunks = new List<(NicChunkType, byte[])>(3);
        void Add(byte[]? item, NicChunkType raw, NicChunkType compressed)
        {
            if (item is null)
            {
                return;
            }

            if (item.Length > NicConstants.MaxChunkLength)
            {
                throw new ArgumentException($"A {raw} item of {item.Length} bytes is above the format's maximum chunk length.", nameof(metadata));
            }

            chunks.Add(compress && NicMetadataCompression.TryCompress(item, out var payload) ? (compressed, payload) : (raw, item));
        }

        Add(metadata.IccProfile, NicChunkType.Iccp, NicChunkType.Iccz);
        Add(metadata.Exif, NicChunkType.Exif, NicChunkType.Exfz);
        Add(metadata.Xmp, NicChunkType.Xmpp, NicChunkType.Xmpz);
        return chunks;
    }

    /// <summary>The lowest minor version whose chunk types <paramref name="chunks"/> use: 1 with a compressed chunk, else 0.</summary>
    private static byte MinorVersionFor(List<(NicChunkType Type, byte[] Bytes)> chunks) =>
        chunks.Exists(c => c.Type.IsCompressedMetadata) ? NicConstants.MinorVersion : (byte)0;

    /// <summary>Writes the signature, the version and the <c>HEAD</c> chunk, when the header has not been written yet.</summary>
    private void WritePendingHead(byte minorVersion)
    {
        if (_pendingHead is not { } payload)
        {
            return;
        }

        _pendingHead = null;
        Span<byte> preamble = stackalloc byte[NicConstants.PreambleLength];
        WritePreamble(preamble, minorVersion);
        _output.Write(preamble);
        WriteChunk(NicChunkType.Head, default, payload);
    }

    /// <inheritdoc cref="WritePendingHead"/>
    private async ValueTask WritePendingHeadAsync(byte minorVersion, CancellationToken cancellationToken)
    {
        if (_pendingHead is not { } payload)
        {
            return;
        }

        _pendingHead = null;
        var preamble = new byte[NicConstants.PreambleLength];
        WritePreamble(preamble, minorVersion);
        await _output.WriteAsync(preamble, cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(NicChunkType.Head, default, payload, cancellationToken).ConfigureAwait(false);
    }

    private void BeginHeader(NicHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        ThrowIfDisposed();
        if (_stage != Stage.Start)
        {
            throw new InvalidOperationException("The header has already been written.");
        }

        try
        {
            header.Validate();
        }
        catch (NicFormatException e)
        {
            throw new ArgumentException($"The header is not valid: {e.Error}: {e.Detail}", nameof(header), e);
        }

        var payload = new byte[NicHeaderCodec.GetLength(header)];
        NicHeaderCodec.Write(header, payload);
        _header = header;
        _pendingHead = payload;
        _stage = Stage.HeaderWritten;
    }

    /// <summary>Checks the call's place and chooses each item's chunk; an item too long for a chunk changes nothing.</summary>
    private List<(NicChunkType Type, byte[] Bytes)> BeginMetadata(NicMetadata metadata, bool compress)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ThrowIfDisposed();
        if (_stage != Stage.HeaderWritten)
        {
            throw new InvalidOperationException("Metadata is written once, right after the header.");
        }

        var chunks = MetadataChunks(metadata, compress);
        _stage = Stage.MetadataWritten;
        return chunks;
    }

    private void BeginZSubstream()
    {
        ThrowIfDisposed();
        if (_stage is not (Stage.HeaderWritten or Stage.MetadataWritten))
        {
            throw new InvalidOperationException("The z substream is written once, after the header and metadata and before the bands.");
        }

        if (!_header!.HasHyperprior)
        {
            throw new InvalidOperationException("The header declares no z latent, so the file has no z substream.");
        }

        _stage = Stage.ZSubstreamWritten;
    }

    private int BeginBand(int codedLength)
    {
        ThrowIfDisposed();
        if (_stage is Stage.Start or Stage.Completed)
        {
            throw new InvalidOperationException("Bands are written after the header and before Complete.");
        }

        if (_header!.HasHyperprior && _stage != Stage.ZSubstreamWritten)
        {
            throw new InvalidOperationException("The header declares a z latent; write the z substream before the bands.");
        }

        if (BandsWritten >= _header.BandCount)
        {
            throw new InvalidOperationException($"All {_header.BandCount} bands have been written.");
        }

        if (codedLength > NicConstants.MaxChunkLength - 4)
        {
            throw new ArgumentException("The band is too long for a chunk.", "coded");
        }

        if (_stage is Stage.HeaderWritten or Stage.MetadataWritten)
        {
            _stage = Stage.ZSubstreamWritten;
        }

        return BandsWritten;
    }

    private void BeginComplete()
    {
        ThrowIfDisposed();
        if (_stage is Stage.Start or Stage.Completed)
        {
            throw new InvalidOperationException("Complete is called once, after the header and all bands.");
        }

        if (_header!.HasHyperprior && _stage != Stage.ZSubstreamWritten)
        {
            throw new InvalidOperationException("The header declares a z latent, but no z substream was written.");
        }

        if (BandsWritten != _header.BandCount)
        {
            throw new InvalidOperationException($"{BandsWritten} of {_header.BandCount} bands have been written.");
        }
    }

    private void WriteChunk(NicChunkType type, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload)
    {
        var crc = FrameChunk(type, prefix, payload);
        var frame = _frame.AsSpan();
        _output.Write(frame[..NicConstants.ChunkHeaderLength]);
        _output.Write(prefix);
        _output.Write(payload);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[NicConstants.ChunkHeaderLength..], crc);
        _output.Write(frame[NicConstants.ChunkHeaderLength..]);
    }

    private async ValueTask WriteChunkAsync(
        NicChunkType type, ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var crc = FrameChunk(type, prefix.Span, payload.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(_frame.AsSpan(NicConstants.ChunkHeaderLength), crc);
        await _output.WriteAsync(_frame.AsMemory(0, NicConstants.ChunkHeaderLength), cancellationToken).ConfigureAwait(false);
        if (!prefix.IsEmpty)
        {
            await _output.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
        }

        if (!payload.IsEmpty)
        {
            await _output.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }

        await _output.WriteAsync(_frame.AsMemory(NicConstants.ChunkHeaderLength), cancellationToken).ConfigureAwait(false);
        await _output.ChunkWrittenAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fills the length and type fields into the frame buffer and returns the CRC (spec §5.1).</summary>
    private uint FrameChunk(NicChunkType type, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload)
    {
        var length = (long)prefix.Length + payload.Length;
        if (length > NicConstants.MaxChunkLength)
        {
            throw new ArgumentException($"A {type} chunk of {length} bytes is above the format's maximum chunk length.");
        }

        var frame = _frame.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
        type.CopyTo(frame[4..]);
        var crc = new Crc32();
        crc.Append(frame[4..NicConstants.ChunkHeaderLength]);
        crc.Append(prefix);
        crc.Append(payload);
        return crc.GetCurrentHashAsUInt32();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
