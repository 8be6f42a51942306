namespace Nic.Cli.Eval;

/// <summary>
/// The geometry of a rate–distortion plot: the axes chosen from the data (bpp across, PSNR up) and the pixel rectangle
/// they span, whose frame lines run through pixel columns <see cref="Left"/> and <see cref="Right"/> and pixel rows
/// <see cref="Top"/> and <see cref="Bottom"/>.
/// </summary>
internal sealed class RdPlotFrame
{
    private RdPlotFrame(PlotAxis rate, PlotAxis psnr, int left, int top, int right, int bottom)
    {
        Rate = rate;
        Psnr = psnr;
        Left = left;
        Top = top;
        Right = right;
        Bottom = bottom;
    }

    /// <summary>The horizontal axis, bits per pixel.</summary>
    public PlotAxis Rate { get; }

    /// <summary>The vertical axis, PSNR in dB.</summary>
    public PlotAxis Psnr { get; }

    /// <summary>The pixel column of the left frame line, where the rate axis starts.</summary>
    public int Left { get; }

    /// <summary>The pixel row of the top frame line, where the PSNR axis ends.</summary>
    public int Top { get; }

    /// <summary>The pixel column of the right frame line, where the rate axis ends.</summary>
    public int Right { get; }

    /// <summary>The pixel row of the bottom frame line, where the PSNR axis starts.</summary>
    public int Bottom { get; }

    /// <summary>The frame of a plot of <paramref name="points"/> (all finite) on a canvas of the given size.</summary>
    public static RdPlotFrame Create(IReadOnlyCollection<RdPoint> points, int width, int height)
    {
        if (points.Count == 0)
        {
            throw new ArgumentException("a plot needs at least one point", nameof(points));
        }

        PlotAxis rate = PlotAxis.Cover(points.Min(p => p.Bpp), points.Max(p => p.Bpp), 8, lowestStart: 0);
        PlotAxis psnr = PlotAxis.Cover(points.Min(p => p.PsnrDb), points.Max(p => p.PsnrDb), 6);
        int widestPsnrLabel = psnr.Ticks.Max(t => PlotCanvas.MeasureText(psnr.Format(t), RdPlot.TextScale));
        int left = RdPlot.Margin + BitmapFont.LineHeight * RdPlot.TextScale + RdPlot.Margin + widestPsnrLabel + RdPlot.TickLength + 4;
        int top = RdPlot.Margin + BitmapFont.CapHeight * RdPlot.TitleScale + RdPlot.Margin + 8;
        int right = width - 1 - 2 * RdPlot.Margin;
        int bottom = height - 1 - (RdPlot.TickLength + 6 + 2 * BitmapFont.LineHeight * RdPlot.TextScale + RdPlot.Margin + 8);
        return new RdPlotFrame(rate, psnr, left, top, right, bottom);
    }

    /// <summary>The canvas coordinates of <paramref name="point"/>.</summary>
    public (double X, double Y) ToCanvas(RdPoint point) => (ToCanvasX(point.Bpp), ToCanvasY(point.PsnrDb));

    /// <summary>The canvas x coordinate of a rate in bits per pixel.</summary>
    public double ToCanvasX(double bpp) => Left + 0.5 + Rate.Fraction(bpp) * (Right - Left);

    /// <summary>The canvas y coordinate of a PSNR in dB.</summary>
    public double ToCanvasY(double psnrDb) => Bottom + 0.5 - Psnr.Fraction(psnrDb) * (Bottom - Top);
}
