namespace Nic.Fuzz;

/// <summary>
/// A read-only, non-seekable stream over bytes in memory that hands them out in small pieces of varying size, the
/// way a network stream delivers a file: the reader sees data arrive incrementally and in several buffer segments.
/// The piece sizes follow from a seed, so the same input is always cut the same way.
/// </summary>
internal sealed class ChunkedStream : Stream
{
    private readonly byte[] _data;
    private readonly int _maxPiece;
    private uint _state;
    private int _position;

    /// <summary>Creates the stream.</summary>
    /// <param name="data">The bytes to deliver.</param>
    /// <param name="seed">Chooses the piece sizes.</param>
    /// <param name="maxPiece">The largest piece (at least 1).</param>
    public ChunkedStream(byte[] data, uint seed, int maxPiece)
    {
        _data = data;
        _state = seed | 1;
        _maxPiece = Math.Max(1, maxPiece);
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>A seed derived from the bytes themselves (FNV-1a), so that a target cuts each input in its own way.</summary>
    public static uint SeedOf(ReadOnlySpan<byte> data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        // xorshift32: the next piece size.
        _state ^= _state << 13;
        _state ^= _state >> 17;
        _state ^= _state << 5;
        int piece = 1 + (int)(_state % (uint)_maxPiece);
        int n = Math.Min(Math.Min(piece, buffer.Length), _data.Length - _position);
        _data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
