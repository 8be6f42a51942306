namespace Nic.Cli.Eval;

/// <summary>One rate point (or quality) of a curve, measured on every image.</summary>
/// <param name="Quality">The Nic rate point or the classical codec's quality setting.</param>
/// <param name="Model">The Nic model of the rate point; null for a classical codec.</param>
/// <param name="Images">The measurement of each image.</param>
internal sealed record RdCurvePoint(int Quality, string? Model, IReadOnlyList<RdMeasurement> Images, double? NicQuality = null)
{
    /// <summary>Mean bits per pixel and mean PSNR over the images.</summary>
    public RdPoint Mean => new(Images.Average(m => m.Bpp), Images.Average(m => m.PsnrDb));
}
