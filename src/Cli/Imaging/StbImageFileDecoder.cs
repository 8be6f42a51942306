using Nic.Codec.Imaging;
using StbImageSharp;

namespace Nic.Cli.Imaging;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF, TGA, PSD and HDR files with StbImageSharp, after checking what the file declares:
/// the size against the limits; for PNG the chunk CRCs the decoder ignores and that the compressed image data can
/// inflate to what that size needs and not far beyond; for JPEG that the scan data is complete enough for that size;
/// for the other formats that the file is long enough for it. Every failure of the decoder becomes an <see cref="ImageFileException"/>.
/// </summary>
internal static class StbImageFileDecoder
{
    /// <summary>Deflate expands at most about 1032-fold; image data this much smaller than its limit cannot exceed it.</summary>
    private const int MaxDeflateRatio = 1032;

    /// <summary>
    /// Decodes <paramref name="file"/> to RGB with its metadata: alpha is dropped (the colour is kept as stored, not
    /// composited), grey is replicated to R = G = B and 16-bit samples are reduced to 8; the result says what the file had.
    /// </summary>
    /// <exception cref="ImageFileException">The file does not decode or declares a size beyond the limits.</exception>
    public static ImageFileContent Decode(byte[] file, ImageFileFormat format, string fileName, long maxPixels)
    {
        (long width, long height) = ReadDeclaredSize(file, format, fileName);
        ImageSizeLimits.Check(fileName, width, height, maxPixels);
        if (format == ImageFileFormat.Png)
        {
            CheckPngImageData(file, fileName);
        }
        else if (format == ImageFileFormat.Jpeg)
        {
            CheckJpegScanData(file, fileName);
        }
        else
        {
            CheckFileLength(file, format, fileName, width * height);
        }

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(file, ColorComponents.Default);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageFileException(fileName, $"the {Describe(format)} does not decode: {e.Message}", e);
        }

        int channels = (int)result.Comp;
        if (result.Width != width || result.Height != height || result.Data is null || channels is < 1 or > 4 || result.Data.LongLength != width * height * channels)
        {
            throw new ImageFileException(fileName, $"the {Describe(format)} decoded to {result.Width}×{result.Height} pixels, not the {width}×{height} it declares");
        }

        (byte[] rgb, long translucent) = ToRgb(result.Data, channels);
        int bits = format switch
        {
            ImageFileFormat.Png when PngHeader.Read(file) is { ColorType: not 3, BitDepth: 16 } => 16,
            ImageFileFormat.Hdr => 32,
            _ => 8,
        };
        return new ImageFileContent(
            new RgbImage(result.Width, result.Height, rgb) { Metadata = ImageMetadataReader.Read(file, format) },
            new ImageSource(format, channels, bits, translucent));
    }

    /// <summary>Interleaved RGB of 1 to 4 interleaved channels, and how many pixels have an alpha below 255.</summary>
    private static (byte[] Rgb, long Translucent) ToRgb(byte[] samples, int channels)
    {
        if (channels == 3)
        {
            return (samples, 0);
        }

        long pixels = samples.LongLength / channels;
        byte[] rgb = new byte[pixels * 3];
        long translucent = 0;
        for (long i = 0; i < pixels; i++)
        {
            long s = i * channels;
            long d = i * 3;
            if (channels <= 2)
            {
                rgb[d] = rgb[d + 1] = rgb[d + 2] = samples[s];
            }
            else
            {
                rgb[d] = samples[s];
                rgb[d + 1] = samples[s + 1];
                rgb[d + 2] = samples[s + 2];
            }

            if (channels is 2 or 4 && samples[s + channels - 1] != byte.MaxValue)
            {
                translucent++;
            }
        }

        return (rgb, translucent);
    }

    /// <summary>The width and height the file declares, read without decoding anything.</summary>
    private static (long Width, long Height) ReadDeclaredSize(byte[] file, ImageFileFormat format, string fileName)
    {
        switch (format)
        {
            case ImageFileFormat.Png:
                PngHeader header = PngHeader.Read(file) ?? throw new ImageFileException(fileName, "not a PNG file (no IHDR chunk after the signature)");
                CheckPngChunks(file, fileName);
                if (header.Channels == 0)
                {
                    throw new ImageFileException(fileName, $"the PNG colour type {header.ColorType} with bit depth {header.BitDepth} is not valid");
                }

                return (header.Width, header.Height);

            case ImageFileFormat.Jpeg:
                JpegFrameHeader frame = ReadJpegFrameHeader(file, fileName);
                if (frame.Height == 0)
                {
                    throw new ImageFileException(fileName, "the JPEG gives its height in a DNL marker, which is not supported");
                }

                return (frame.Width, frame.Height);

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

    /// <summary>The frame header of the first SOFn segment before the first scan.</summary>
    private static JpegFrameHeader ReadJpegFrameHeader(byte[] file, string fileName)
    {
        foreach (JpegSegment segment in JpegSegment.ReadHeaderSegments(file))
        {
            if (segment.IsStartOfFrame)
            {
                return JpegFrameHeader.Read(segment.Data(file), fileName);
            }
        }

        throw new ImageFileException(fileName, "the JPEG has no frame header before its first scan (truncated or corrupt)");
    }

    /// <summary>
    /// Refuses a JPEG whose scan data cannot be complete, because the decoder would fill what is missing with gray
    /// rather than fail: one without an end-of-image marker after its first scan (entropy-coded data escapes 0xFF as
    /// 0xFF 0x00, so the marker appears there only as a marker), and one with fewer scan bytes than one bit per 8×8
    /// block (the fewest a Huffman-coded DC coefficient takes), which also keeps a small file from making the decoder
    /// allocate for a large image.
    /// </summary>
    private static void CheckJpegScanData(byte[] file, string fileName)
    {
        List<JpegSegment> segments = JpegSegment.ReadHeaderSegments(file);
        int scan = segments.Count > 0 && segments[^1].Marker == JpegSegment.StartOfScan ? segments[^1].DataOffset + segments[^1].Length : -1;
        if (scan < 0)
        {
            throw new ImageFileException(fileName, "the JPEG has no scan (truncated or corrupt)");
        }

        int end = file.AsSpan(scan).LastIndexOf([(byte)0xFF, (byte)0xD9]);
        if (end < 0)
        {
            throw new ImageFileException(fileName, "the JPEG has no end-of-image marker after its scan data (truncated)");
        }

        JpegFrameHeader frame = ReadJpegFrameHeader(file, fileName);
        if ((long)end * 8 < frame.BlockCount)
        {
            throw new ImageFileException(fileName, $"the JPEG scan data ({end} bytes) is too short for the {frame.BlockCount} blocks of a {frame.Width}×{frame.Height} image; truncated or corrupt");
        }
    }

    /// <summary>
    /// Refuses a PNG without an <c>IEND</c> chunk (truncated) or with a critical chunk (<c>IHDR</c>, <c>PLTE</c>,
    /// <c>IDAT</c>, <c>IEND</c>) whose CRC is wrong: the decoder ignores CRCs and would return a damaged image.
    /// </summary>
    private static void CheckPngChunks(byte[] file, string fileName)
    {
        List<PngChunk> chunks = PngChunk.ReadAll(file);
        if (chunks.Count == 0 || chunks[^1].Type != PngChunkTypes.Iend)
        {
            throw new ImageFileException(fileName, "the PNG ends before its IEND chunk (truncated or corrupt)");
        }

        foreach (PngChunk chunk in chunks)
        {
            if (chunk.IsCritical && !chunk.CrcMatches(file))
            {
                throw new ImageFileException(fileName, $"the CRC of the {chunk.TypeName} chunk at byte {chunk.DataOffset - PngChunk.HeaderLength} is wrong (corrupt file)");
            }
        }
    }

    /// <summary>
    /// Refuses PNG image data too short to inflate to what the declared size needs, so that a small file cannot make
    /// the decoder allocate for a large image, and image data that inflates to more than the declared size needs
    /// (with some slack), so that a small file cannot make the decoder grow its buffer without bound. Data too short
    /// to exceed the limit is not inflated here.
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

        if (compressed.Length < (needed / MaxDeflateRatio) - 16)
        {
            throw new ImageFileException(fileName, $"the PNG image data ({compressed.Length} bytes) is too short for a {header.Width}×{header.Height} image; truncated?");
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

    /// <summary>
    /// Refuses a BMP, GIF, PSD, HDR or TGA file too short to hold the pixels it declares at the best compression its
    /// format allows (so that a small file cannot make the decoder allocate for a large image): 1 bit a pixel for BMP;
    /// for TGA and PSD run-length packets of 2 bytes per 128 samples; for HDR 2 bytes per 127 values of each of its 4
    /// components; for GIF 12-bit LZW codes of at most 4096 pixels each, after the 2^23 pixels its first code table can
    /// cover.
    /// </summary>
    private static void CheckFileLength(byte[] file, ImageFileFormat format, string fileName, long pixels)
    {
        long coverable = format switch
        {
            ImageFileFormat.Bmp => file.LongLength * 8,
            ImageFileFormat.Gif => (file.LongLength * 8 / 12 * 4096) + (1L << 23),
            ImageFileFormat.Hdr => file.LongLength * 127 / 8,
            _ => file.LongLength * 64,
        };
        if (coverable < pixels)
        {
            throw new ImageFileException(fileName, $"the {Describe(format)} file ({file.Length} bytes) is too short for the {pixels} pixels it declares; truncated or corrupt");
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
