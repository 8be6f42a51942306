using Nic.Codec.Imaging;
using StbImageSharp;
using StbImageWriteSharp;
using ReadComponents = StbImageSharp.ColorComponents;
using WriteComponents = StbImageWriteSharp.ColorComponents;

namespace Nic.Cli.Eval;

/// <summary>
/// The image files exchanged with external codec programs: binary PPM (P6) or PNG written from an
/// <see cref="RgbImage"/>, and PNG or PPM read back into one. PNG goes through StbImageSharp and StbImageWriteSharp;
/// PPM, which StbImageSharp does not read, is parsed here.
/// </summary>
internal static class ToolImageFile
{
    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> as PPM when the name ends in .ppm, as PNG when it ends in .png.</summary>
    /// <exception cref="ArgumentException">The extension is neither.</exception>
    public static void Write(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        switch (extension)
        {
            case ".ppm":
                WritePpm(image, stream);
                break;
            case ".png":
                new ImageWriter().WritePng(image.Pixels, image.Width, image.Height, WriteComponents.RedGreenBlue, stream);
                break;
            default:
                throw new ArgumentException($"cannot write '{path}': only .ppm and .png are written", nameof(path));
        }
    }

    /// <summary>Reads a binary PPM (P6) or a PNG file as 8-bit RGB (PNG grey is expanded, alpha dropped; 16-bit samples are reduced).</summary>
    /// <exception cref="InvalidDataException">The file is neither a well-formed P6 PPM nor a PNG.</exception>
    public static RgbImage Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] == '6')
        {
            return ReadPpm(bytes, path);
        }

        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(bytes, ReadComponents.RedGreenBlue);
        }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' is not a readable PNG or PPM image: {error.Message}", error);
        }

        return new RgbImage(decoded.Width, decoded.Height, decoded.Data);
    }

    /// <summary>
    /// Parses a binary PPM: "P6", then width, height and the maximum sample value as decimal numbers separated by
    /// whitespace (with '#' comments to the end of a line allowed), one whitespace byte, and the samples, one byte each
    /// when the maximum is below 256 and two bytes (most significant first) otherwise. Samples are rescaled to 0–255.
    /// </summary>
    private static RgbImage ReadPpm(byte[] bytes, string path)
    {
        int position = 2;
        int width = ReadHeaderNumber(bytes, ref position, path);
        int height = ReadHeaderNumber(bytes, ref position, path);
        int maxValue = ReadHeaderNumber(bytes, ref position, path);
        if (width < 1 || height < 1 || maxValue is < 1 or > 65535)
        {
            throw new InvalidDataException($"'{path}': PPM header {width}×{height} with maximum {maxValue} is not valid");
        }

        // Exactly one whitespace byte separates the header from the samples.
        position++;
        int bytesPerSample = maxValue < 256 ? 1 : 2;
        long sampleCount = (long)width * height * 3;
        if (bytes.LongLength - position < sampleCount * bytesPerSample)
        {
            throw new InvalidDataException($"'{path}': a {width}×{height} PPM needs {sampleCount * bytesPerSample} bytes of samples, the file has {bytes.LongLength - position}");
        }

        var image = new RgbImage(width, height);
        byte[] pixels = image.Pixels;
        if (bytesPerSample == 1 && maxValue == 255)
        {
            Array.Copy(bytes, position, pixels, 0, pixels.Length);
            return image;
        }

        for (int i = 0; i < pixels.Length; i++)
        {
            int sample = bytesPerSample == 1 ? bytes[position + i] : (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1];
            pixels[i] = (byte)((Math.Min(sample, maxValue) * 255 + maxValue / 2) / maxValue);
        }

        return image;
    }

    private static int ReadHeaderNumber(byte[] bytes, ref int position, string path)
    {
        while (position < bytes.Length && (IsWhitespace(bytes[position]) || bytes[position] == '#'))
        {
            if (bytes[position] == '#')
            {
                while (position < bytes.Length && bytes[position] != '\n')
                {
                    position++;
                }
            }
            else
            {
                position++;
            }
        }

        long value = 0;
        int start = position;
        while (position < bytes.Length && bytes[position] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
        {
            value = value * 10 + (bytes[position] - '0');
            position++;
        }

        if (position == start || value > int.MaxValue || position >= bytes.Length || !IsWhitespace(bytes[position]))
        {
            throw new InvalidDataException($"'{path}': the PPM header is malformed at byte {position}");
        }

        return (int)value;
    }

    private static bool IsWhitespace(byte value) => value is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static void WritePpm(RgbImage image, Stream stream)
    {
        // Netpbm binary RGB: "P6", width, height, maximum sample value, one whitespace byte, then the samples row by row.
        byte[] header = System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"P6\n{image.Width} {image.Height}\n255\n"));
        stream.Write(header);
        stream.Write(image.Pixels);
    }
}
