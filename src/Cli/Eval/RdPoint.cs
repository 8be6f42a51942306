namespace Nic.Cli.Eval;

/// <summary>One point of a rate–distortion curve: the rate in bits per pixel and the RGB PSNR in dB.</summary>
/// <param name="Bpp">The rate: coded bits divided by the pixel count.</param>
/// <param name="PsnrDb">The quality: RGB PSNR in dB.</param>
internal readonly record struct RdPoint(double Bpp, double PsnrDb)
{
    /// <summary>Whether both coordinates are finite numbers.</summary>
    public bool IsFinite => double.IsFinite(Bpp) && double.IsFinite(PsnrDb);
}
