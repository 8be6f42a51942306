using Nic.Codec.Imaging;
using Nic.Format;

namespace Nic.Cli.Imaging;

/// <summary>
/// The size checks made on the width and height an image file declares, before anything of that size is allocated,
/// so that a small file claiming a huge image is refused at once.
/// </summary>
internal static class ImageSizeLimits
{
    /// <summary>The default largest pixel count: 2^28 (16384 × 16384), 768 MiB of RGB.</summary>
    public const long DefaultMaxPixels = 1L << 28;

    /// <summary>The largest pixel count an <see cref="RgbImage"/> can hold.</summary>
    public const long LargestPixelCount = 0x7FFFFFC7 / RgbImage.BytesPerPixel;

    /// <summary>Checks a caller's pixel limit and caps it at what an <see cref="RgbImage"/> can hold.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPixels"/> is below 1.</exception>
    public static long Effective(long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        return Math.Min(maxPixels, LargestPixelCount);
    }

    /// <summary>Refuses a declared size that is empty, wider or taller than 2^24, or has more than <paramref name="maxPixels"/> pixels.</summary>
    /// <exception cref="ImageFileException">The size is refused.</exception>
    public static void Check(string fileName, long width, long height, long maxPixels)
    {
        if (width < 1 || height < 1)
        {
            throw new ImageFileException(fileName, $"the file declares an empty image ({width}×{height})");
        }

        if (width > NicConstants.MaxImageDimension || height > NicConstants.MaxImageDimension)
        {
            throw new ImageFileException(fileName, $"the file declares a {width}×{height} image; a side may be at most {NicConstants.MaxImageDimension} pixels");
        }

        if (width * height > maxPixels)
        {
            throw new ImageFileException(fileName, $"the file declares a {width}×{height} image ({width * height} pixels), more than the limit of {maxPixels} pixels");
        }
    }
}
