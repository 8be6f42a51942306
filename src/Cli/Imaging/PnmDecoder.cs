using Nic.Codec.Imaging;

namespace Nic.Cli.Imaging;

/// <summary>
/// Decodes Netpbm files (PBM, PGM, PPM; ASCII P1–P3 and binary P4–P6, 8 or 16 bits a sample) to 8-bit RGB. Samples
/// are scaled from 0…maxval to 0…255 with rounding; gray becomes R = G = B; in bitmaps 1 is black. A file may hold
/// several images one after another; the first is decoded.
/// </summary>
internal static class PnmDecoder
{
    /// <summary>Decodes the first image of <paramref name="file"/>.</summary>
    /// <param name="file">The whole file.</param>
    /// <param name="fileName">The name used in error messages.</param>
    /// <param name="maxPixels">The largest pixel count accepted (already capped by <see cref="ImageSizeLimits.Effective"/>).</param>
    /// <exception cref="ImageFileException">The file is malformed, truncated, or declares a size beyond the limits.</exception>
    public static ImageFileContent Decode(byte[] file, string fileName, long maxPixels)
    {
        PnmHeader header = PnmHeader.Read(file, fileName);
        ImageSizeLimits.Check(fileName, header.Width, header.Height, maxPixels);
        long samples = (long)header.Width * header.Height * header.Channels;
        long available = file.Length - (long)header.RasterOffset;
        long needed = header.IsAscii
            ? (header.IsBitmap ? samples : (2 * samples) - 1)
            : header.IsBitmap ? (long)header.Height * ((header.Width + 7) / 8) : samples * (header.MaxValue > 255 ? 2 : 1);
        if (available < needed)
        {
            string unit = header.IsAscii ? "characters" : "bytes";
            throw new ImageFileException(fileName, $"truncated: the {header.Width}×{header.Height} raster needs {(header.IsAscii ? "at least " : string.Empty)}{needed} {unit} after the header, the file has {available}");
        }

        var image = new RgbImage(header.Width, header.Height);
        if (header.IsBitmap)
        {
            DecodeBitmap(file, header, image, fileName);
        }
        else if (header.IsAscii)
        {
            DecodeAsciiSamples(file, header, image, fileName);
        }
        else
        {
            DecodeBinarySamples(file, header, image, fileName);
        }

        return new ImageFileContent(image, new ImageSource(ImageFileFormat.Pnm, header.Channels, header.MaxValue > 255 ? 16 : 8, 0));
    }

    private static void DecodeBitmap(byte[] file, PnmHeader header, RgbImage image, string fileName)
    {
        int offset = header.RasterOffset;
        int rowBytes = (header.Width + 7) / 8;
        for (int y = 0; y < header.Height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < header.Width; x++)
            {
                bool black;
                if (header.IsAscii)
                {
                    SkipSeparators(file, ref offset);
                    if (offset >= file.Length || file[offset] is not ((byte)'0' or (byte)'1'))
                    {
                        throw new ImageFileException(fileName, offset >= file.Length ? "truncated PBM raster" : $"the PBM raster has a character other than 0 or 1 at byte {offset}");
                    }

                    black = file[offset++] == '1';
                }
                else
                {
                    black = (file[offset + (x >> 3)] & (0x80 >> (x & 7))) != 0;
                }

                byte value = black ? (byte)0 : (byte)255;
                row[3 * x] = value;
                row[(3 * x) + 1] = value;
                row[(3 * x) + 2] = value;
            }

            if (!header.IsAscii)
            {
                offset += rowBytes;
            }
        }
    }

    private static void DecodeBinarySamples(byte[] file, PnmHeader header, RgbImage image, string fileName)
    {
        int maxValue = header.MaxValue;
        bool wide = maxValue > 255;
        int offset = header.RasterOffset;
        int samplesPerRow = header.Width * header.Channels;
        Span<int> rowSamples = samplesPerRow <= 4096 ? stackalloc int[samplesPerRow] : new int[samplesPerRow];
        for (int y = 0; y < header.Height; y++)
        {
            for (int i = 0; i < samplesPerRow; i++)
            {
                rowSamples[i] = wide ? (file[offset] << 8) | file[offset + 1] : file[offset];
                offset += wide ? 2 : 1;
            }

            StoreRow(rowSamples, header, image.GetRow(y), fileName);
        }
    }

    private static void DecodeAsciiSamples(byte[] file, PnmHeader header, RgbImage image, string fileName)
    {
        int offset = header.RasterOffset;
        int samplesPerRow = header.Width * header.Channels;
        Span<int> rowSamples = samplesPerRow <= 4096 ? stackalloc int[samplesPerRow] : new int[samplesPerRow];
        for (int y = 0; y < header.Height; y++)
        {
            for (int i = 0; i < samplesPerRow; i++)
            {
                SkipSeparators(file, ref offset);
                if (offset >= file.Length || file[offset] is < (byte)'0' or > (byte)'9')
                {
                    throw new ImageFileException(fileName, offset >= file.Length ? "truncated ASCII raster" : $"the ASCII raster has a non-digit at byte {offset}");
                }

                long value = 0;
                while (offset < file.Length && file[offset] is >= (byte)'0' and <= (byte)'9')
                {
                    value = Math.Min((value * 10) + (file[offset] - '0'), int.MaxValue);
                    offset++;
                }

                rowSamples[i] = (int)value;
            }

            StoreRow(rowSamples, header, image.GetRow(y), fileName);
        }
    }

    /// <summary>Scales one row of samples to 8 bits and stores it as RGB.</summary>
    private static void StoreRow(ReadOnlySpan<int> samples, PnmHeader header, Span<byte> row, string fileName)
    {
        int maxValue = header.MaxValue;
        for (int i = 0; i < samples.Length; i++)
        {
            int sample = samples[i];
            if (sample > maxValue)
            {
                throw new ImageFileException(fileName, $"a sample ({sample}) exceeds the declared maximum value {maxValue}");
            }

            byte value = maxValue == 255 ? (byte)sample : (byte)((((long)sample * 255) + (maxValue / 2)) / maxValue);
            if (header.Channels == 3)
            {
                row[i] = value;
            }
            else
            {
                row[3 * i] = value;
                row[(3 * i) + 1] = value;
                row[(3 * i) + 2] = value;
            }
        }
    }

    /// <summary>Skips whitespace and <c>#</c> comments in an ASCII raster.</summary>
    private static void SkipSeparators(byte[] file, ref int offset)
    {
        while (offset < file.Length)
        {
            if (PnmHeader.IsWhitespace(file[offset]))
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
                return;
            }
        }
    }
}
