using Nic.Codec.Imaging;
using Nic.Cli.Imaging;
using StbImageWriteSharp;
using WriteComponents = StbImageWriteSharp.ColorComponents;

namespace Nic.Cli.Eval;

/// <summary>
/// The image files exchanged with external codec programs: binary PPM (P6) or PNG written from an
/// <see cref="RgbImage"/>, and PNG or PPM read back into one with <see cref="ImageFiles"/>.
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

    /// <summary>Reads a decoder's output (PPM or PNG) as 8-bit RGB through <see cref="ImageFiles"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable image.</exception>
    public static RgbImage Read(string path)
    {
        try
        {
            return ImageFiles.Read(path);
        }
        catch (ImageFileException error)
        {
            throw new InvalidDataException($"'{path}' is not a readable PNG or PPM image: {error.Problem}", error);
        }
    }

    private static void WritePpm(RgbImage image, Stream stream)
    {
        // Netpbm binary RGB: "P6", width, height, maximum sample value, one whitespace byte, then the samples row by row.
        byte[] header = System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"P6\n{image.Width} {image.Height}\n255\n"));
        stream.Write(header);
        stream.Write(image.Pixels);
    }
}
