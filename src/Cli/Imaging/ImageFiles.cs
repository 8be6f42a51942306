using System.Buffers.Binary;
using Nic.Codec.Imaging;
using Nic.Format;
using StbImageWriteSharp;

namespace Nic.Cli.Imaging;

/// <summary>
/// Reads the image files the <c>nic</c> tool takes (PNG, JPEG, PPM/PGM/PBM, BMP, GIF, TGA, PSD, HDR) into an
/// <see cref="RgbImage"/> with their ICC profile, EXIF and XMP, and writes PNG files that carry that metadata byte for
/// byte (<c>iCCP</c>, <c>eXIf</c>, <c>iTXt</c> XMP, right after <c>IHDR</c>).
/// </summary>
internal static class ImageFiles
{
    /// <summary>The default largest pixel count a file may declare: 2^28.</summary>
    public const long DefaultMaxPixels = ImageSizeLimits.DefaultMaxPixels;

    /// <summary>The most bytes an image read from a stream (standard input) may have: 1 GiB.</summary>
    public const int MaxStreamBytes = 1 << 30;

    /// <summary>The length of the PNG signature plus the <c>IHDR</c> chunk, where the metadata chunks go.</summary>
    private const int PngSignatureAndHeaderLength = 8 + PngChunk.HeaderLength + 13 + PngChunk.CrcLength;

    /// <summary>Reads and decodes the image file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxPixels">The largest width·height the file may declare; larger files are refused before decoding.</param>
    /// <exception cref="ImageFileException">The file is not an image this tool reads, is corrupt or truncated, or declares a size beyond the limits.</exception>
    /// <exception cref="IOException">The file cannot be read (missing, no permission).</exception>
    public static RgbImage Read(string path, long maxPixels = DefaultMaxPixels) => ReadContent(path, maxPixels).Image;

    /// <summary>Reads and decodes the image file at <paramref name="path"/>, with what the file held before its conversion to 8-bit RGB.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxPixels">The largest width·height the file may declare; larger files are refused before decoding.</param>
    /// <exception cref="ImageFileException">The file is not an image this tool reads, is corrupt or truncated, or declares a size beyond the limits.</exception>
    /// <exception cref="IOException">The file cannot be read (missing, no permission).</exception>
    public static ImageFileContent ReadContent(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
        {
            if (stream.Length > Array.MaxLength)
            {
                throw new ImageFileException(path, $"the file is {stream.Length} bytes, more than an image file this tool reads");
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        return DecodeContent(bytes, path, maxPixels);
    }

    /// <summary>
    /// Reads a whole image file from <paramref name="source"/> (standard input), at most <see cref="MaxStreamBytes"/>,
    /// and decodes it.
    /// </summary>
    /// <param name="source">The stream; read to its end.</param>
    /// <param name="nameForMessages">The name error messages give the input.</param>
    /// <param name="maxPixels">The largest width·height the file may declare.</param>
    /// <param name="maxBytes">The most bytes read before the input is refused.</param>
    /// <exception cref="ImageFileException">The input is longer than <paramref name="maxBytes"/>, or does not decode.</exception>
    public static ImageFileContent ReadContent(Stream source, string nameForMessages, long maxPixels = DefaultMaxPixels, int maxBytes = MaxStreamBytes)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[1 << 16];
        int read;
        while ((read = source.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new ImageFileException(nameForMessages, $"the input is longer than {maxBytes:N0} bytes, the most this tool reads from a stream; write it to a file");
            }

            buffer.Write(chunk, 0, read);
        }

        return DecodeContent(buffer.ToArray(), nameForMessages, maxPixels);
    }

    /// <summary>Decodes an image file held in memory.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="nameForMessages">The name error messages give the file.</param>
    /// <param name="maxPixels">The largest width·height the file may declare; larger files are refused before decoding.</param>
    /// <exception cref="ImageFileException">The bytes are not an image this tool reads, are corrupt or truncated, or declare a size beyond the limits.</exception>
    public static RgbImage Decode(byte[] bytes, string nameForMessages, long maxPixels = DefaultMaxPixels) =>
        DecodeContent(bytes, nameForMessages, maxPixels).Image;

    /// <summary>Decodes an image file held in memory, with what the file held before its conversion to 8-bit RGB.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="nameForMessages">The name error messages give the file.</param>
    /// <param name="maxPixels">The largest width·height the file may declare; larger files are refused before decoding.</param>
    /// <exception cref="ImageFileException">The bytes are not an image this tool reads, are corrupt or truncated, or declare a size beyond the limits.</exception>
    public static ImageFileContent DecodeContent(byte[] bytes, string nameForMessages, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(nameForMessages);
        long limit = ImageSizeLimits.Effective(maxPixels);
        if (bytes.Length == 0)
        {
            throw new ImageFileException(nameForMessages, "the file is empty");
        }

        ImageFileFormat format = ImageFileSignatures.Detect(bytes);
        return format == ImageFileFormat.Pnm
            ? PnmDecoder.Decode(bytes, nameForMessages, limit)
            : StbImageFileDecoder.Decode(bytes, format, nameForMessages, limit);
    }

    /// <summary>Writes <paramref name="image"/> as a file of <paramref name="format"/>; the file is replaced only once the new one is complete.</summary>
    public static void Write(string path, RgbImage image, ImageOutputFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(image);
        AtomicFile.Write(path, stream => Write(stream, image, format));
    }

    /// <summary>
    /// Writes the file of <paramref name="image"/> in <paramref name="format"/> to <paramref name="destination"/>: PNG
    /// with the ICC profile, EXIF and XMP; binary PPM (P6, maxval 255) and 24-bit BMP without metadata (neither format has a place for it).
    /// </summary>
    public static void Write(Stream destination, RgbImage image, ImageOutputFormat format)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(image);
        switch (format)
        {
            case ImageOutputFormat.Png:
                WritePng(destination, image);
                break;
            case ImageOutputFormat.Ppm:
                destination.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"P6\n{image.Width} {image.Height}\n255\n")));
                destination.Write(image.Pixels.AsSpan(0, image.Width * image.Height * RgbImage.BytesPerPixel));
                break;
            case ImageOutputFormat.Bmp:
                new ImageWriter().WriteBmp(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not an output format");
        }
    }

    /// <summary>Writes <paramref name="image"/> as a PNG file with its metadata; the file is replaced only once the new one is complete.</summary>
    public static void WritePng(string path, RgbImage image)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(image);
        AtomicFile.Write(path, stream => WritePng(stream, image));
    }

    /// <summary>The PNG file of <paramref name="image"/> with its metadata.</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var output = new MemoryStream();
        WritePng(output, image);
        return output.ToArray();
    }

    /// <summary>Writes the PNG file of <paramref name="image"/> with its metadata to <paramref name="destination"/>.</summary>
    public static void WritePng(Stream destination, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(image);
        using var encoded = new MemoryStream();
        new ImageWriter().WritePng(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, encoded);
        ReadOnlySpan<byte> png = encoded.GetBuffer().AsSpan(0, (int)encoded.Length);
        if (png.Length < PngSignatureAndHeaderLength || !png.StartsWith(ImageFileSignatures.Png)
            || BinaryPrimitives.ReadUInt32BigEndian(png.Slice(12, 4)) != PngChunkTypes.Ihdr)
        {
            throw new InvalidOperationException("the PNG encoder did not start its output with the signature and IHDR");
        }

        destination.Write(png[..PngSignatureAndHeaderLength]);
        PngMetadataChunks.Write(destination, image.Metadata);
        destination.Write(png[PngSignatureAndHeaderLength..]);
    }
}
