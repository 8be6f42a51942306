namespace Nic.Cli.Imaging;

/// <summary>The PNG chunk types the <c>nic</c> tool reads or writes, as big-endian 32-bit values of their four letters.</summary>
internal static class PngChunkTypes
{
    /// <summary><c>IHDR</c>: the image header.</summary>
    public const uint Ihdr = 0x49484452;

    /// <summary><c>IDAT</c>: compressed image data.</summary>
    public const uint Idat = 0x49444154;

    /// <summary><c>IEND</c>: the end of the file.</summary>
    public const uint Iend = 0x49454E44;

    /// <summary><c>iCCP</c>: an embedded ICC profile, zlib-compressed.</summary>
    public const uint Iccp = 0x69434350;

    /// <summary><c>eXIf</c>: EXIF data starting with the TIFF header.</summary>
    public const uint Exif = 0x65584966;

    /// <summary><c>iTXt</c>: international text, which carries XMP under the keyword <c>XML:com.adobe.xmp</c>.</summary>
    public const uint Itxt = 0x69545874;
}
