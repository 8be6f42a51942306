using Nic.Format;

namespace Nic.Codec.Imaging;

/// <summary>
/// An 8-bit RGB image: <see cref="Width"/> × <see cref="Height"/> pixels stored row by row, top to bottom, each pixel
/// the three bytes R, G, B (the channel layout of spec/nic-format.md §7.1), with no padding between rows. The encoder
/// reads it and the decoder fills it; <see cref="Metadata"/> travels with the pixels (ICC, EXIF and XMP, byte for byte).
/// </summary>
public sealed class RgbImage
{
    /// <summary>Bytes per pixel.</summary>
    public const int BytesPerPixel = 3;

    /// <summary>Creates a black image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1, above 2²⁴, or the pixels exceed the largest array.</exception>
    public RgbImage(int width, int height)
        : this(width, height, new byte[CheckSize(width, height)])
    {
    }

    /// <summary>Wraps existing pixels (not copied): exactly width·height·3 bytes, rows top to bottom, R G B.</summary>
    /// <exception cref="ArgumentException">The byte count does not match the size.</exception>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long size = CheckSize(width, height);
        if (pixels.LongLength != size)
        {
            throw new ArgumentException($"{pixels.LongLength} bytes do not make a {width}×{height} RGB image ({size} bytes)", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: rows top to bottom, <see cref="Stride"/> bytes each.</summary>
    public byte[] Pixels { get; }

    /// <summary>The bytes of one row: width·3.</summary>
    public int Stride => Width * BytesPerPixel;

    /// <summary>The pixel count, width·height.</summary>
    public long PixelCount => (long)Width * Height;

    /// <summary>ICC profile, EXIF and XMP carried with the image.</summary>
    public NicMetadata Metadata { get; set; } = NicMetadata.Empty;

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> GetRow(int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Pixels.AsSpan(y * Stride, Stride);
    }

    /// <summary>Whether both images have the same size and the same pixels (metadata is not compared).</summary>
    public bool PixelsEqual(RgbImage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Width == other.Width && Height == other.Height && Pixels.AsSpan().SequenceEqual(other.Pixels);
    }

    private static long CheckSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, NicConstants.MaxImageDimension);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, NicConstants.MaxImageDimension);
        long size = (long)width * height * BytesPerPixel;
        if (size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"a {width}×{height} RGB image needs {size} bytes, more than the largest array");
        }

        return size;
    }
}
