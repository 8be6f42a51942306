using Nic.Codec.Imaging;
using StbImageSharp;

namespace Nic.Cli.Imaging;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF, TGA, PSD and HDR files with StbImageSharp, after checking what the file declares:
/// the size against the limits, and for PNG that the compressed image data does not inflate beyond what that size
/// needs. Every failure of the decoder becomes an <see cref="ImageFileException"/>.
/// </summary>
internal static class StbImageFileDecoder
{
    /// <summary>Deflate expands at most about 1032-fold; image data this much smaller than its limit cannot exceed it.</summary>
    private const int MaxDeflateRatio = 1032;

    /// <summary>Decodes <paramref name="file"/> to RGB (alpha is dropped, 16-bit samples are reduced to 8) with its metadata.</summary>
    /// <exception cref="ImageFileException">The file does not decode or declares a size beyond the limits.</exception>
    public static RgbImage Decode(byte[] file, ImageFileFormat format, string fileName, long maxPixels)
    {
        (long width, long height) = ReadDeclaredSize(file, format, fileName);
        ImageSizeLimits.Check(fileName, width, height, maxPixels);
        if (format == ImageFileFormat.Png)
        {
            CheckPngImageData(file, fileName);
        }

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(file, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageFileException(fileName, $"the {Describe(format)} does not decode: {e.Message}", e);
        }

        if (result.Width != width || result.Height != height || result.Data is null || result.Data.LongLength != width * height * RgbImage.BytesPerPixel)
        {
            throw new ImageFileException(fileName, $"the {Describe(format)} decoded to {result.Width}×{result.Height} pixels, not the {width}×{height} it declares");
        }

        return new RgbImage(result.Width, result.Height, result.Data) { Metadata = ImageMetadataReader.Read(file, format) };
    }

    /// <summary>The width and height the file declares, read without decoding anything.</summary>
    private static (long Width, long Height) ReadDeclaredSize(byte[] file, ImageFileFormat format, string fileName)
    {
        switch (format)
        {
            case ImageFileFormat.Png:
                PngHeader header = PngHeader.Read(file) ?? throw new ImageFileException(fileName, "not a PNG file (no IHDR chunk after the signature)");
                if (header.Channels == 0)
                {
                    throw new ImageFileException(fileName, $"the PNG colour type {header.ColorType} with bit depth {header.BitDepth} is not valid");
                }

                return (header.Width, header.Height);

            case ImageFileFormat.Jpeg:
                foreach (JpegSegment segment in JpegSegment.ReadHeaderSegments(file))
                {
                    if (segment.IsStartOfFrame)
                    {
                        ReadOnlySpan<byte> frame = segment.Data(file);
                        if (frame.Length < 6)
                        {
                            throw new ImageFileException(fileName, "the JPEG frame header is truncated");
                        }

                        int height = (frame[1] << 8) | frame[2], width = (frame[3] << 8) | frame[4];
                        if (height == 0)
                        {
                            throw new ImageFileException(fileName, "the JPEG gives its height in a DNL marker, which is not supported");
                        }

                        return (width, height);
                    }
                }

                throw new ImageFileException(fileName, "the JPEG has no frame header before its first scan (truncated or corrupt)");

            default:
                ImageInfo? info;
                try
                {
                    using var stream = new MemoryStream(file, writable: false);
                    info = ImageInfo.FromStream(stream);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new ImageFileException(fileName, $"the {Describe(format)} header does not decode: {e.Message}", e);
                }

                return info is { } known
                    ? (known.Width, known.Height)
                    : throw new ImageFileException(fileName, format == ImageFileFormat.Unknown
                        ? "not an image in a format this tool reads (PNG, JPEG, PPM/PGM/PBM, BMP, GIF, TGA, PSD, HDR)"
                        : $"the {Describe(format)} header is corrupt");
        }
    }

    /// <summary>
    /// Refuses PNG image data that inflates to more than the declared size needs (with some slack), so that a small
    /// file cannot make the decoder grow its buffer without bound. Data too short to exceed the limit is not inflated.
    /// </summary>
    private static void CheckPngImageData(byte[] file, string fileName)
    {
        PngHeader header = PngHeader.Read(file)!.Value;
        long needed = header.InflatedDataLength();
        long limit = needed + (needed / 4) + 65536;
        using var compressed = new MemoryStream();
        foreach (PngChunk chunk in PngChunk.ReadAll(file))
        {
            if (chunk.Type == PngChunkTypes.Idat)
            {
                compressed.Write(chunk.Data(file));
            }
        }

        if (compressed.Length == 0)
        {
            throw new ImageFileException(fileName, "the PNG has no image data (IDAT chunk); truncated?");
        }

        if (compressed.Length <= limit / MaxDeflateRatio)
        {
            return;
        }

        compressed.Position = 0;
        bool beyond;
        try
        {
            beyond = Zlib.InflatesBeyond(compressed, limit);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFileException(fileName, $"the PNG image data is corrupt: {e.Message}", e);
        }

        if (beyond)
        {
            throw new ImageFileException(fileName, $"the PNG image data inflates to more than the {needed} bytes a {header.Width}×{header.Height} image needs");
        }
    }

    private static string Describe(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Png => "PNG",
        ImageFileFormat.Jpeg => "JPEG",
        ImageFileFormat.Bmp => "BMP",
        ImageFileFormat.Gif => "GIF",
        ImageFileFormat.Psd => "PSD",
        ImageFileFormat.Hdr => "HDR",
        _ => "image",
    };
}
