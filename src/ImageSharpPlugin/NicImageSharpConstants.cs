namespace Nic.ImageSharp;

/// <summary>The names ImageSharp knows the format by.</summary>
internal static class NicImageSharpConstants
{
    /// <summary>The format's name.</summary>
    public const string FormatName = "NIC";

    /// <summary>Bits per pixel of a decoded image: 8-bit RGB.</summary>
    public const int BitsPerPixel = 24;

    /// <summary>The MIME types; the first is the default.</summary>
    public static readonly string[] MimeTypes = ["image/x-nic", "image/vnd.nic"];

    /// <summary>The file extensions, without the dot.</summary>
    public static readonly string[] FileExtensions = ["nic"];
}
