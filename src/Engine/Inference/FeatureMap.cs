namespace Nic.Codec.Inference;

/// <summary>
/// A channels × height × width tensor of 32-bit floats in planar (CHW) order: channel planes one after another,
/// rows top to bottom within a plane. The activations that flow between the layers of the managed engine.
/// </summary>
public sealed class FeatureMap
{
    /// <summary>Creates a zero-filled map.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or the element count exceeds the array limit.</exception>
    public FeatureMap(int channels, int height, int width)
    {
        long count = CheckShape(channels, height, width);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"{channels}×{height}×{width} = {count} elements exceed the largest array");
        }

        Channels = channels;
        Height = height;
        Width = width;
        Data = new float[count];
    }

    /// <summary>Wraps existing data of exactly channels·height·width elements (not copied).</summary>
    public FeatureMap(int channels, int height, int width, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (CheckShape(channels, height, width) != data.Length)
        {
            throw new ArgumentException($"{data.Length} elements do not make a {channels}×{height}×{width} map", nameof(data));
        }

        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    /// <summary>The number of channels.</summary>
    public int Channels { get; }

    /// <summary>The height in rows.</summary>
    public int Height { get; }

    /// <summary>The width in columns.</summary>
    public int Width { get; }

    /// <summary>The elements, channel-major.</summary>
    public float[] Data { get; }

    /// <summary>Elements per channel plane.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>The plane of channel <paramref name="channel"/>.</summary>
    public Span<float> Plane(int channel) => Data.AsSpan(channel * PlaneSize, PlaneSize);

    /// <summary>Row <paramref name="y"/> of channel <paramref name="channel"/>.</summary>
    public Span<float> Row(int channel, int y) => Data.AsSpan(channel * PlaneSize + y * Width, Width);

    /// <summary>The element at (channel, y, x).</summary>
    public ref float this[int channel, int y, int x] => ref Data[(channel * Height + y) * Width + x];

    /// <summary>
    /// A zero-filled map whose memory is cleared plane by plane with a look at <paramref name="cancellationToken"/>
    /// before each: a large map is fresh memory whose first touch takes long, and this spreads it over stoppable steps.
    /// </summary>
    public static FeatureMap Zeroed(int channels, int height, int width, CancellationToken cancellationToken)
    {
        long count = CheckShape(channels, height, width);
        var map = new FeatureMap(channels, height, width, GC.AllocateUninitializedArray<float>(checked((int)count)));
        for (int c = 0; c < channels; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            map.Plane(c).Clear();
        }

        return map;
    }

    /// <summary>Rows <paramref name="firstRow"/> … <paramref name="firstRow"/> + <paramref name="rowCount"/> − 1 of every channel, copied.</summary>
    public FeatureMap SliceRows(int firstRow, int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstRow + rowCount, Height);
        var slice = new FeatureMap(Channels, rowCount, Width);
        for (int c = 0; c < Channels; c++)
        {
            Data.AsSpan(c * PlaneSize + firstRow * Width, rowCount * Width).CopyTo(slice.Plane(c));
        }

        return slice;
    }

    private static long CheckShape(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return (long)channels * height * width;
    }
}
