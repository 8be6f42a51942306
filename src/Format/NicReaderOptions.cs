namespace Nic.Format;

/// <summary>
/// The limits a <see cref="NicReader"/> enforces before it allocates or waits for anything
/// (spec/nic-format.md §8). Values above a limit are rejected with
/// <see cref="NicFormatError.ImageTooLarge"/>, <see cref="NicFormatError.ChunkTooLarge"/> or
/// <see cref="NicFormatError.LimitExceeded"/>.
/// </summary>
public sealed class NicReaderOptions
{
    private readonly int _maxWidth = 65535;
    private readonly int _maxHeight = 65535;
    private readonly long _maxPixels = 1L << 28;
    private readonly int _maxChunkLength = 64 << 20;
    private readonly int _maxMetadataLength = 16 << 20;
    private readonly int _maxBands = 65535;
    private readonly long _maxLatentElements = 1L << 28;

    /// <summary>The default limits.</summary>
    public static NicReaderOptions Default { get; } = new();

    /// <summary>The largest image width accepted (1 … 2^24; default 65535).</summary>
    public int MaxWidth
    {
        get => _maxWidth;
        init => _maxWidth = InRange(value, 1, NicConstants.MaxImageDimension);
    }

    /// <summary>The largest image height accepted (1 … 2^24; default 65535).</summary>
    public int MaxHeight
    {
        get => _maxHeight;
        init => _maxHeight = InRange(value, 1, NicConstants.MaxImageDimension);
    }

    /// <summary>The largest width × height accepted (default 2^28).</summary>
    public long MaxPixels
    {
        get => _maxPixels;
        init => _maxPixels = InRange(value, 1, long.MaxValue);
    }

    /// <summary>The largest chunk payload length accepted (1 … 2^31 − 1; default 64 MiB).</summary>
    public int MaxChunkLength
    {
        get => _maxChunkLength;
        init => _maxChunkLength = InRange(value, 1, NicConstants.MaxChunkLength);
    }

    /// <summary>The largest ICC, EXIF or XMP chunk accepted (default 16 MiB).</summary>
    public int MaxMetadataLength
    {
        get => _maxMetadataLength;
        init => _maxMetadataLength = InRange(value, 0, NicConstants.MaxChunkLength);
    }

    /// <summary>The largest number of y bands accepted (default 65535).</summary>
    public int MaxBands
    {
        get => _maxBands;
        init => _maxBands = InRange(value, 1, int.MaxValue);
    }

    /// <summary>The largest element count (channels × height × width) of each of the y and z latents (default 2^28).</summary>
    public long MaxLatentElements
    {
        get => _maxLatentElements;
        init => _maxLatentElements = InRange(value, 1, long.MaxValue);
    }

    private static T InRange<T>(T value, T minimum, T maximum)
        where T : System.Numerics.INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, minimum);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, maximum);
        return value;
    }
}
