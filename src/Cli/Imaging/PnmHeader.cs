namespace Nic.Cli.Imaging;

/// <summary>
/// The header of a Netpbm file: the kind (<c>P1</c>–<c>P6</c>), width, height, maximum sample value, and where the
/// raster starts.
/// </summary>
/// <param name="Kind">The digit of the magic number, '1' to '6'.</param>
/// <param name="Width">The declared width (saturated at <see cref="int.MaxValue"/>).</param>
/// <param name="Height">The declared height (saturated at <see cref="int.MaxValue"/>).</param>
/// <param name="MaxValue">The largest sample value, 1 to 65535 (1 for bitmaps).</param>
/// <param name="RasterOffset">The offset of the first raster byte (binary kinds) or of the text after the header (ASCII kinds).</param>
internal readonly record struct PnmHeader(char Kind, int Width, int Height, int MaxValue, int RasterOffset)
{
    /// <summary>Whether the raster is written as ASCII text (P1, P2, P3).</summary>
    public bool IsAscii => Kind is '1' or '2' or '3';

    /// <summary>Whether the image is a bitmap, 1 meaning black (P1, P4).</summary>
    public bool IsBitmap => Kind is '1' or '4';

    /// <summary>Samples per pixel: 3 for PPM, 1 otherwise.</summary>
    public int Channels => Kind is '3' or '6' ? 3 : 1;

    /// <summary>Whether <paramref name="value"/> is a Netpbm whitespace byte.</summary>
    public static bool IsWhitespace(byte value) => value is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    /// <summary>Reads the header of <paramref name="file"/>, which starts with <c>P1</c>–<c>P6</c>.</summary>
    /// <exception cref="ImageFileException">The header is malformed or truncated.</exception>
    public static PnmHeader Read(ReadOnlySpan<byte> file, string fileName)
    {
        if (file.Length < 2 || file[0] != 'P' || file[1] is < (byte)'1' or > (byte)'6')
        {
            throw new ImageFileException(fileName, "not a Netpbm file (no P1–P6 magic number)");
        }

        char kind = (char)file[1];
        int offset = 2;
        int width = ReadHeaderNumber(file, ref offset, fileName, "width");
        int height = ReadHeaderNumber(file, ref offset, fileName, "height");
        int maxValue = 1;
        if (kind is not ('1' or '4'))
        {
            maxValue = ReadHeaderNumber(file, ref offset, fileName, "maximum sample value");
            if (maxValue is < 1 or > 65535)
            {
                throw new ImageFileException(fileName, $"the Netpbm maximum sample value {maxValue} is outside 1–65535");
            }
        }

        if (offset >= file.Length || !IsWhitespace(file[offset]))
        {
            throw new ImageFileException(fileName, "the Netpbm header is not followed by whitespace and a raster (truncated?)");
        }

        return new PnmHeader(kind, width, height, maxValue, offset + 1);
    }

    /// <summary>Skips whitespace and <c>#</c> comments, then reads a decimal number, saturating at <see cref="int.MaxValue"/>.</summary>
    private static int ReadHeaderNumber(ReadOnlySpan<byte> file, ref int offset, string fileName, string what)
    {
        while (offset < file.Length)
        {
            if (IsWhitespace(file[offset]))
            {
                offset++;
            }
            else if (file[offset] == '#')
            {
                while (offset < file.Length && file[offset] is not ((byte)'\n' or (byte)'\r'))
                {
                    offset++;
                }
            }
            else
            {
                break;
            }
        }

        if (offset >= file.Length)
        {
            throw new ImageFileException(fileName, $"the Netpbm header ends before the {what}");
        }

        if (file[offset] is < (byte)'0' or > (byte)'9')
        {
            throw new ImageFileException(fileName, $"the Netpbm {what} is not a decimal number");
        }

        long value = 0;
        while (offset < file.Length && file[offset] is >= (byte)'0' and <= (byte)'9')
        {
            value = Math.Min((value * 10) + (file[offset] - '0'), int.MaxValue);
            offset++;
        }

        return (int)value;
    }
}
