using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Nic.Service;

/// <summary>
/// Writes an 8-bit RGB PNG row by row to a stream without holding the image: the signature and IHDR first, then each
/// row (filtered with Sub) through one zlib stream whose output goes out as IDAT chunks of up to
/// <see cref="ChunkSize"/> bytes as it accumulates, then IEND. Memory is one row, the deflater's window and less than
/// one chunk plus the compressed output of the rows written since the last flush. Writes to the output only from the
/// asynchronous methods (an ASP.NET Core response body refuses synchronous writes).
/// </summary>
public sealed class PngRowWriter : IAsyncDisposable
{
    /// <summary>The largest IDAT chunk written.</summary>
    public const int ChunkSize = 1 << 16;

    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    private readonly Stream _output;
    private readonly PendingBytes _pending = new();
    private readonly ZLibStream _zlib;
    private readonly byte[] _filtered;
    private readonly byte[] _chunkHeader = new byte[8];
    private readonly byte[] _chunkTrailer = new byte[4];
    private int _rows;
    private bool _started;
    private bool _completed;

    /// <summary>Starts a PNG of the given size; nothing is written until <see cref="WriteHeaderAsync"/>.</summary>
    public PngRowWriter(Stream output, int width, int height, CompressionLevel compression = CompressionLevel.Fastest)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        _output = output;
        Width = width;
        Height = height;
        _filtered = new byte[1 + (width * 3)];
        _zlib = new ZLibStream(_pending, compression, leaveOpen: true);
    }

    /// <summary>The image width in pixels.</summary>
    public int Width { get; }

    /// <summary>The image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Writes the PNG signature and the IHDR chunk.</summary>
    public async ValueTask WriteHeaderAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            throw new InvalidOperationException("the header was already written");
        }

        _started = true;
        await _output.WriteAsync(Signature, cancellationToken).ConfigureAwait(false);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8;   // bit depth
        header[9] = 2;   // colour type: RGB
        header[10] = 0;  // deflate
        header[11] = 0;  // adaptive filtering
        header[12] = 0;  // not interlaced
        await WriteChunkAsync("IHDR"u8.ToArray(), header, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Compresses one row of <see cref="Width"/> RGB pixels (not yet written out; see <see cref="FlushAsync"/>).</summary>
    public void WriteRow(ReadOnlySpan<byte> rgb)
    {
        if (!_started || _completed)
        {
            throw new InvalidOperationException(_completed ? "the image is complete" : "write the header first");
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(rgb.Length, Width * 3, nameof(rgb));
        if (_rows == Height)
        {
            throw new InvalidOperationException($"the image has {Height} rows");
        }

        _filtered[0] = 1;  // Sub: each byte less the byte of the pixel to its left
        rgb[..3].CopyTo(_filtered.AsSpan(1));
        for (int i = 3; i < rgb.Length; i++)
        {
            _filtered[1 + i] = (byte)(rgb[i] - rgb[i - 3]);
        }

        _zlib.Write(_filtered);
        _rows++;
    }

    /// <summary>Writes out the compressed data that fills whole IDAT chunks.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        while (_pending.Count >= ChunkSize)
        {
            await WriteChunkAsync("IDAT"u8.ToArray(), _pending.Buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false);
            _pending.Consume(ChunkSize);
        }
    }

    /// <summary>Finishes the zlib stream, writes the last IDAT chunks and IEND, and flushes the output.</summary>
    /// <exception cref="InvalidOperationException">Fewer than <see cref="Height"/> rows were written.</exception>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_rows != Height)
        {
            throw new InvalidOperationException($"{_rows} of {Height} rows were written");
        }

        _completed = true;
        _zlib.Dispose();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_pending.Count > 0)
        {
            await WriteChunkAsync("IDAT"u8.ToArray(), _pending.Buffer.AsMemory(0, _pending.Count), cancellationToken).ConfigureAwait(false);
            _pending.Consume(_pending.Count);
        }

        await WriteChunkAsync("IEND"u8.ToArray(), ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _zlib.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask WriteChunkAsync(byte[] type, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteInt32BigEndian(_chunkHeader, data.Length);
        type.CopyTo(_chunkHeader, 4);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data.Span);
        BinaryPrimitives.WriteUInt32BigEndian(_chunkTrailer, crc.GetCurrentHashAsUInt32());
        await _output.WriteAsync(_chunkHeader, cancellationToken).ConfigureAwait(false);
        if (!data.IsEmpty)
        {
            await _output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }

        await _output.WriteAsync(_chunkTrailer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The deflater's output waiting to go out in chunks: a buffer that grows to what one flush leaves.</summary>
    private sealed class PendingBytes : Stream
    {
        public byte[] Buffer { get; private set; } = new byte[ChunkSize * 2];

        public int Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public void Consume(int bytes)
        {
            Buffer.AsSpan(bytes, Count - bytes).CopyTo(Buffer);
            Count -= bytes;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Count + buffer.Length > Buffer.Length)
            {
                var larger = new byte[Math.Max(Buffer.Length * 2, Count + buffer.Length)];
                Buffer.AsSpan(0, Count).CopyTo(larger);
                Buffer = larger;
            }

            buffer.CopyTo(Buffer.AsSpan(Count));
            Count += buffer.Length;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
