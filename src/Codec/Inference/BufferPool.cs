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

    /// <summary>A buffer of exactly <paramref name="length"/> floats; its contents are undefined unless <paramref name="zeroed"/>.</summary>
    public float[] Rent(long length, bool zeroed)
    {
        int size = checked((int)length);
        if (_free.TryGetValue(size, out ConcurrentBag<float[]>? bag) && bag.TryTake(out float[]? buffer))
        {
            Interlocked.Add(ref _retainedBytes, -4L * size);
            if (zeroed)
            {
                Array.Clear(buffer);
            }

            return buffer;
        }

        return new float[size];
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
