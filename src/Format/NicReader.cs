using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Nic.Format;

/// <summary>
/// Reads a <c>.nic</c> container incrementally from a <see cref="PipeReader"/>
/// (spec/nic-format.md). Every malformed input ends in a <see cref="NicFormatException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Call the methods in file order: <see cref="ReadHeaderAsync"/>, then optionally
/// <see cref="ReadMetadataAsync"/> and <see cref="ReadZSubstreamAsync"/>, then
/// <see cref="ReadNextBandAsync"/> until it returns null (which also checks the end of the
/// file). Each method reads whatever it needs before it, so steps may be skipped.
/// <see cref="ReadChunkAsync"/> lists chunks one by one instead.
/// </para>
/// <para>
/// Payloads are handed out without copying and stay valid only until the next call on the
/// reader. The reader holds one whole chunk in the pipe at a time, so a <see cref="Pipe"/>
/// that feeds it must not pause its writer below the largest chunk (use
/// <c>pauseWriterThreshold: 0</c> or a value above <see cref="NicReaderOptions.MaxChunkLength"/>).
/// A reader is not thread-safe.
/// </para>
/// </remarks>
public sealed class NicReader : IAsyncDisposable, IDisposable
{
    private readonly PipeReader _pipe;
    private readonly NicReaderCore _core;
    private bool _disposed;

    /// <summary>Creates a reader over a pipe. Disposing the reader completes the pipe.</summary>
    /// <param name="reader">The pipe to read.</param>
    /// <param name="options">The limits to enforce, or null for <see cref="NicReaderOptions.Default"/>.</param>
    public NicReader(PipeReader reader, NicReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _pipe = reader;
        Options = options ?? NicReaderOptions.Default;
        _core = new NicReaderCore(reader, Options);
    }

    /// <summary>Creates a reader over a stream.</summary>
    /// <param name="stream">The stream to read, positioned at the signature.</param>
    /// <param name="options">The limits to enforce, or null for <see cref="NicReaderOptions.Default"/>.</param>
    /// <param name="leaveOpen">True to leave the stream open when the reader is disposed.</param>
    public NicReader(Stream stream, NicReaderOptions? options = null, bool leaveOpen = false)
        : this(PipeReader.Create(stream ?? throw new ArgumentNullException(nameof(stream)), new StreamPipeReaderOptions(leaveOpen: leaveOpen)), options)
    {
    }

    /// <summary>Creates a reader over bytes in memory. The bytes must not change while the reader is used.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="options">The limits to enforce, or null for <see cref="NicReaderOptions.Default"/>.</param>
    public NicReader(ReadOnlyMemory<byte> data, NicReaderOptions? options = null)
        : this(PipeReader.Create(new ReadOnlySequence<byte>(data)), options)
    {
    }

    /// <summary>Opens a file for reading (asynchronous, sequential access).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="options">The limits to enforce, or null for <see cref="NicReaderOptions.Default"/>.</param>
    /// <returns>A reader that closes the file when disposed.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static NicReader Open(string path, NicReaderOptions? options = null)
    {
        var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return new NicReader(stream, options, leaveOpen: false);
    }

    /// <summary>The limits this reader enforces.</summary>
    public NicReaderOptions Options { get; }

    /// <summary>The header, once it has been read; otherwise null.</summary>
    public NicHeader? Header => _core.Header;

    /// <summary>The version in the file (major.minor), once the preamble has been read; otherwise null.</summary>
    public Version? FormatVersion => _core.FormatVersion;

    /// <summary>
    /// Reads the signature, version and <c>HEAD</c> chunk. Returns as soon as those bytes have
    /// arrived; returns the same header when called again.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The validated header.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public ValueTask<NicHeader> ReadHeaderAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _core.ReadHeaderAsync(cancellationToken);
    }

    /// <summary>
    /// Reads the metadata chunks up to the first substream chunk, skipping unknown ancillary
    /// chunks. The items are copies owned by the caller.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The metadata; items the file does not carry are null.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public ValueTask<NicMetadata> ReadMetadataAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _core.ReadMetadataAsync(cancellationToken);
    }

    /// <summary>Reads the <c>ZSUB</c> chunk and returns its payload, whose CRC has been checked.</summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The z substream, valid until the next call on the reader.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    /// <exception cref="InvalidOperationException">
    /// The header declares no z latent, or the z substream has already been read or passed.
    /// </exception>
    public ValueTask<ReadOnlySequence<byte>> ReadZSubstreamAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _core.ReadZSubstreamAsync(cancellationToken);
    }

    /// <summary>
    /// Reads the next <c>YBND</c> chunk, skipping a z substream that was not read. After the
    /// last band it reads <c>DONE</c>, checks that nothing follows and returns null.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The band, whose payload is valid until the next call on the reader; null at the end.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public ValueTask<NicBand?> ReadNextBandAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _core.ReadNextBandAsync(cancellationToken);
    }

    /// <summary>Reads the bands one by one with <see cref="ReadNextBandAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The bands; each payload is valid until the enumeration moves on.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public async IAsyncEnumerable<NicBand> ReadBandsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadNextBandAsync(cancellationToken).ConfigureAwait(false) is { } band)
        {
            yield return band;
        }
    }

    /// <summary>
    /// Reads the next chunk of any type, with the same order, limit and CRC checks as the
    /// other methods. The <c>DONE</c> chunk is returned only once the end of the input has
    /// been checked.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for data.</param>
    /// <returns>The chunk, whose payload is valid until the next call on the reader; null after <c>DONE</c>.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public ValueTask<NicChunkInfo?> ReadChunkAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _core.ReadChunkAsync(cancellationToken);
    }

    /// <summary>Completes the pipe (and closes the stream or file unless it was to be left open).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _core.ReleaseBuffer();
            _pipe.Complete();
        }
    }

    /// <summary>Completes the pipe (and closes the stream or file unless it was to be left open).</summary>
    /// <returns>A task that completes when the pipe has been completed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _core.ReleaseBuffer();
            await _pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
