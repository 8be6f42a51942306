using System.Collections.Concurrent;

namespace Nic.Codec.Inference;

/// <summary>
/// Float buffers of exact lengths, reused between layers, bands and calls of one model. Band after band asks for the
/// same sizes, so reuse is near-perfect and the garbage collector never sees the large intermediates. Thread-safe;
/// at most <see cref="MaxRetainedBytes"/> are kept, the rest is left to the collector.
/// </summary>
internal sealed class BufferPool(long maxRetainedBytes)
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> _free = new();
    private long _retainedBytes;

    public long MaxRetainedBytes { get; } = maxRetainedBytes;

    /// <summary>Floats cleared between two looks at the cancellation token.</summary>
    private const int ClearPiece = 1 << 20;

    /// <summary>
    /// A buffer of exactly <paramref name="length"/> floats; its contents are undefined unless <paramref name="zeroed"/>.
    /// A new buffer is not cleared at allocation: a large one is fresh memory whose first touch is slow, so it is
    /// cleared (when asked) a piece at a time with a look at <paramref name="cancellationToken"/> before each, or left
    /// to the caller's first writes, which look at the token themselves.
    /// </summary>
    public float[] Rent(long length, bool zeroed, CancellationToken cancellationToken = default)
    {
        int size = checked((int)length);
        float[] buffer;
        if (_free.TryGetValue(size, out ConcurrentBag<float[]>? bag) && bag.TryTake(out float[]? pooled))
        {
            Interlocked.Add(ref _retainedBytes, -4L * size);
            buffer = pooled;
        }
        else
        {
            buffer = GC.AllocateUninitializedArray<float>(size);
        }

        if (zeroed)
        {
            for (int start = 0; start < size; start += ClearPiece)
            {
                cancellationToken.ThrowIfCancellationRequested();
                buffer.AsSpan(start, Math.Min(ClearPiece, size - start)).Clear();
            }
        }

        return buffer;
    }

    /// <summary>A map whose elements the caller will overwrite entirely.</summary>
    public FeatureMap RentMap(int channels, int height, int width) =>
        new(channels, height, width, Rent((long)channels * height * width, zeroed: false));

    /// <summary>Gives a buffer back; it must not be used afterwards.</summary>
    public void Return(float[] buffer)
    {
        if (Interlocked.Add(ref _retainedBytes, 4L * buffer.Length) > MaxRetainedBytes)
        {
            Interlocked.Add(ref _retainedBytes, -4L * buffer.Length);
            return;
        }

        _free.GetOrAdd(buffer.Length, _ => []).Add(buffer);
    }

    /// <summary>Drops every kept buffer (after a one-off network such as h_s, whose sizes later calls will not ask for).</summary>
    public void Clear()
    {
        foreach (ConcurrentBag<float[]> bag in _free.Values)
        {
            while (bag.TryTake(out float[]? buffer))
            {
                Interlocked.Add(ref _retainedBytes, -4L * buffer.Length);
            }
        }
    }
}
