using System.IO.Pipelines;

namespace Nic.Format;

/// <summary>
/// Writes into a pipe's buffer. The synchronous methods do not flush; the data becomes
/// visible at the next asynchronous call or when the pipe is completed.
/// </summary>
internal sealed class PipeNicOutput(PipeWriter writer, bool leaveOpen) : NicOutput
{
    public override void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = writer.GetSpan();
            var count = Math.Min(span.Length, bytes.Length);
            bytes[..count].CopyTo(span);
            writer.Advance(count);
            bytes = bytes[count..];
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(bytes.Span);
        return ValueTask.CompletedTask;
    }

    public override ValueTask ChunkWrittenAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    public override void Flush()
    {
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The flush of the pipe was canceled.");
        }
    }

    public override void Dispose()
    {
        if (!leaveOpen)
        {
            writer.Complete();
        }
    }

    public override ValueTask DisposeAsync() => leaveOpen ? ValueTask.CompletedTask : writer.CompleteAsync();
}
