namespace Nic.Cli.Imaging;

/// <summary>Tells the format of an image file from its first bytes.</summary>
internal static class ImageFileSignatures
{
    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Png => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The format whose signature <paramref name="file"/> starts with, or <see cref="ImageFileFormat.Unknown"/>.</summary>
    public static ImageFileFormat Detect(ReadOnlySpan<byte> file)
    {
        if (file.StartsWith(Png))
        {
            return ImageFileFormat.Png;
        }

        if (file.Length >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF)
        {
            return ImageFileFormat.Jpeg;
        }

        if (file.Length >= 3 && file[0] == 'P' && file[1] is >= (byte)'1' and <= (byte)'6' && (PnmHeader.IsWhitespace(file[2]) || file[2] == '#'))
        {
            return ImageFileFormat.Pnm;
        }

        if (file.StartsWith("BM"u8))
        {
            return ImageFileFormat.Bmp;
        }

        if (file.StartsWith("GIF87a"u8) || file.StartsWith("GIF89a"u8))
        {
            return ImageFileFormat.Gif;
        }

        if (file.StartsWith("8BPS"u8))
        {
            return ImageFileFormat.Psd;
        }

        if (file.StartsWith("#?RADIANCE"u8) || file.StartsWith("#?RGBE"u8))
        {
            return ImageFileFormat.Hdr;
        }

        return ImageFileFormat.Unknown;
    }
}
