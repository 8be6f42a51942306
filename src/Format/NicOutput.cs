namespace Nic.Format;

/// <summary>Where a <see cref="NicWriter"/> puts its bytes: a stream or a pipe.</summary>
internal abstract class NicOutput : IAsyncDisposable, IDisposable
{
    public abstract void Write(ReadOnlySpan<byte> bytes);

    public abstract ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    public abstract void Flush();

    public abstract ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Called after each whole chunk written asynchronously; a pipe flushes here.</summary>
    public abstract ValueTask ChunkWrittenAsync(CancellationToken cancellationToken);

    public abstract void Dispose();

    public abstract ValueTask DisposeAsync();
}
