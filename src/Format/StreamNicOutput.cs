namespace Nic.Format;

/// <summary>Writes straight to a stream.</summary>
internal sealed class StreamNicOutput(Stream stream, bool leaveOpen) : NicOutput
{
    public override void Write(ReadOnlySpan<byte> bytes) => stream.Write(bytes);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        stream.WriteAsync(bytes, cancellationToken);

    public override void Flush() => stream.Flush();

    public override ValueTask FlushAsync(CancellationToken cancellationToken) => new(stream.FlushAsync(cancellationToken));

    public override ValueTask ChunkWrittenAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override void Dispose()
    {
        if (!leaveOpen)
        {
            stream.Dispose();
        }
    }

    public override ValueTask DisposeAsync() => leaveOpen ? ValueTask.CompletedTask : stream.DisposeAsync();
}
