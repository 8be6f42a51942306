namespace Nic.Cli.Imaging;

/// <summary>The image file formats the <c>nic</c> tool tells apart by their first bytes.</summary>
internal enum ImageFileFormat
{
    /// <summary>No known signature; the decoder may still recognise it (TGA has none).</summary>
    Unknown,

    /// <summary>PNG.</summary>
    Png,

    /// <summary>JPEG (JFIF, Exif).</summary>
    Jpeg,

    /// <summary>Netpbm: PBM, PGM, PPM, ASCII (P1–P3) or binary (P4–P6).</summary>
    Pnm,

    /// <summary>Windows bitmap.</summary>
    Bmp,

    /// <summary>GIF (the first frame).</summary>
    Gif,

    /// <summary>Photoshop document (the composited image).</summary>
    Psd,

    /// <summary>Radiance RGBE (tone-mapped to 8 bits).</summary>
    Hdr,
}
