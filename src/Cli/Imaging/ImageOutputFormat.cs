namespace Nic.Cli.Imaging;

/// <summary>The image file formats <c>nic decode</c> writes.</summary>
internal enum ImageOutputFormat
{
    /// <summary>PNG with the ICC profile, EXIF and XMP (<c>.png</c>).</summary>
    Png,

    /// <summary>Binary PPM, P6 with maxval 255 (<c>.ppm</c>); no metadata.</summary>
    Ppm,

    /// <summary>24-bit Windows bitmap (<c>.bmp</c>); no metadata.</summary>
    Bmp,
}
