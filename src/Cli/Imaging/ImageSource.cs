namespace Nic.Cli.Imaging;

/// <summary>
/// What an image file held before it was converted to the 8-bit RGB a Nic file stores, so that a command can say
/// what the conversion changed (alpha dropped, 16-bit samples reduced, grey encoded as RGB).
/// </summary>
/// <param name="Format">The file's format.</param>
/// <param name="Channels">1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (a palette PNG with transparency counts as 4).</param>
/// <param name="BitsPerSample">Bits per sample of the file: 8 for most; 16 for 16-bit PNG and Netpbm; 32 for HDR (floating point); a palette counts as 8.</param>
/// <param name="TranslucentPixels">How many pixels have an alpha below the largest value (0 without alpha).</param>
internal sealed record ImageSource(ImageFileFormat Format, int Channels, int BitsPerSample, long TranslucentPixels)
{
    /// <summary>Whether the file has an alpha channel.</summary>
    public bool HasAlpha => Channels is 2 or 4;

    /// <summary>Whether the file is greyscale (with or without alpha).</summary>
    public bool IsGrey => Channels is 1 or 2;

    /// <summary>The source of an 8-bit RGB file of <paramref name="format"/>.</summary>
    public static ImageSource Rgb8(ImageFileFormat format) => new(format, 3, 8, 0);
}
