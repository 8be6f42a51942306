using Nic.Format;
using StbImageWriteSharp;

namespace Nic.Cli.Eval;

/// <summary>
/// Draws rate–distortion curves (bits per pixel across, RGB PSNR in dB up) into a PNG: a frame with round ticks, tick
/// labels and a grid, axis titles, one coloured polyline with point markers per series, and a legend.
/// </summary>
internal static class RdPlot
{
    /// <summary>The width of the image in pixels.</summary>
    public const int Width = 960;

    /// <summary>The height of the image in pixels.</summary>
    public const int Height = 640;

    /// <summary>The size of a font pixel in canvas pixels for tick labels, axis titles and the legend.</summary>
    public const int TextScale = 2;

    /// <summary>The size of a font pixel in canvas pixels for the title.</summary>
    public const int TitleScale = 3;

    /// <summary>The blank space at the edges of the image and between its parts, in pixels.</summary>
    public const int Margin = 12;

    /// <summary>The length of a tick mark outside the frame, in pixels.</summary>
    public const int TickLength = 6;

    /// <summary>The axis titles of image rate–distortion plots.</summary>
    public static readonly RdPlotAxisTitles ImageAxes = new("Rate (bpp)", "PSNR (dB)");
    private const double LineThickness = 2.5;
    private const double MarkerRadius = 4.5;

    private static readonly PlotColour FrameColour = new(40, 40, 40);
    private static readonly PlotColour GridColour = new(228, 228, 228);
    private static readonly PlotColour LegendBorderColour = new(160, 160, 160);

    private static readonly PlotColour[] Palette =
    [
        new(31, 119, 180),
        new(230, 85, 13),
        new(44, 160, 44),
        new(214, 39, 40),
        new(148, 103, 189),
        new(140, 86, 75),
        new(227, 119, 194),
        new(23, 190, 207),
        new(188, 189, 34),
        new(100, 100, 100),
    ];

    /// <summary>The colour of series number <paramref name="index"/> (colours repeat after ten series).</summary>
    public static PlotColour SeriesColour(int index) => Palette[index % Palette.Length];

    /// <summary>Renders the plot and writes it to <paramref name="path"/> as a PNG, atomically.</summary>
    /// <exception cref="ArgumentException">There are no series, or a series has no point with a finite rate and PSNR.</exception>
    public static void Save(string path, string title, IReadOnlyList<RdSeries> series) => Save(path, title, series, maxBpp: null);

    /// <summary>
    /// As <see cref="Save(string, string, IReadOnlyList{RdSeries})"/>, with the rate axis cut at <paramref name="maxBpp"/>
    /// when it is not null (see <see cref="Clip"/>).
    /// </summary>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">The title above the frame.</param>
    /// <param name="series">The curves.</param>
    /// <param name="maxBpp">Where the rate axis ends; null for the whole range.</param>
    /// <param name="axes">The axis titles (default <see cref="ImageAxes"/>): other measures of rate and quality plot the same way.</param>
    public static void Save(string path, string title, IReadOnlyList<RdSeries> series, double? maxBpp, RdPlotAxisTitles? axes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        PlotCanvas canvas = Render(title, maxBpp is double max ? Clip(series, max) : series, axes);
        AtomicFile.Write(path, stream => new ImageWriter().WritePng(canvas.Pixels, canvas.Width, canvas.Height, ColorComponents.RedGreenBlue, stream));
    }

    /// <summary>
    /// The series as a plot whose rate axis ends at <paramref name="maxBpp"/> shows them: the points at or below it, and
    /// where a curve goes on beyond it, the point where its line crosses it (linear between the two neighbours). A
    /// series with no point at or below <paramref name="maxBpp"/> keeps its lowest-rate point, so that it is still drawn
    /// and listed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBpp"/> is not positive and finite.</exception>
    public static IReadOnlyList<RdSeries> Clip(IReadOnlyList<RdSeries> series, double maxBpp)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!double.IsFinite(maxBpp) || maxBpp <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBpp), maxBpp, "the rate axis must end at a positive, finite bpp");
        }

        var clipped = new List<RdSeries>(series.Count);
        foreach (RdSeries s in series)
        {
            ArgumentNullException.ThrowIfNull(s);
            RdPoint[] points = FinitePointsByRate(s);
            var kept = points.Where(p => p.Bpp <= maxBpp).ToList();
            int beyond = kept.Count;
            if (beyond == 0)
            {
                kept.AddRange(points.Take(1));
            }
            else if (beyond < points.Length && points[beyond].Bpp > points[beyond - 1].Bpp)
            {
                RdPoint a = points[beyond - 1], b = points[beyond];
                double t = (maxBpp - a.Bpp) / (b.Bpp - a.Bpp);
                kept.Add(new RdPoint(maxBpp, a.PsnrDb + (t * (b.PsnrDb - a.PsnrDb))));
            }

            clipped.Add(s with { Points = kept });
        }

        return clipped;
    }

    /// <summary>Renders the plot onto a new <see cref="Width"/> × <see cref="Height"/> canvas.</summary>
    /// <exception cref="ArgumentException">There are no series, or a series has no point with a finite rate and PSNR.</exception>
    public static PlotCanvas Render(string title, IReadOnlyList<RdSeries> series, RdPlotAxisTitles? axes = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        RdPlotFrame frame = CreateFrame(series);
        var canvas = new PlotCanvas(Width, Height, PlotColour.White);
        DrawTitle(canvas, title);
        DrawAxes(canvas, frame, axes ?? ImageAxes);
        for (int i = 0; i < series.Count; i++)
        {
            DrawSeries(canvas, frame, FinitePointsByRate(series[i]), SeriesColour(i));
        }

        DrawLegend(canvas, frame, series);
        return canvas;
    }

    /// <summary>The geometry <see cref="Render"/> uses for <paramref name="series"/>.</summary>
    /// <exception cref="ArgumentException">There are no series, or a series has no point with a finite rate and PSNR.</exception>
    public static RdPlotFrame CreateFrame(IReadOnlyList<RdSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            throw new ArgumentException("a rate–distortion plot needs at least one series", nameof(series));
        }

        var points = new List<RdPoint>();
        foreach (RdSeries s in series)
        {
            ArgumentNullException.ThrowIfNull(s);
            ArgumentNullException.ThrowIfNull(s.Label);
            ArgumentNullException.ThrowIfNull(s.Points);
            RdPoint[] finite = FinitePointsByRate(s);
            if (finite.Length == 0)
            {
                throw new ArgumentException($"the series '{s.Label}' has no point with a finite rate and PSNR", nameof(series));
            }

            points.AddRange(finite);
        }

        return RdPlotFrame.Create(points, Width, Height);
    }

    private static RdPoint[] FinitePointsByRate(RdSeries series) =>
        [.. series.Points.Where(p => p.IsFinite).OrderBy(p => p.Bpp).ThenBy(p => p.PsnrDb)];

    private static void DrawTitle(PlotCanvas canvas, string title)
    {
        int scale = PlotCanvas.MeasureText(title, TitleScale) <= canvas.Width - 2 * Margin ? TitleScale : TextScale;
        int width = PlotCanvas.MeasureText(title, scale);
        canvas.DrawText(title, Math.Max(Margin, (canvas.Width - width) / 2), Margin, scale, PlotColour.Black);
    }

    private static void DrawAxes(PlotCanvas canvas, RdPlotFrame frame, RdPlotAxisTitles axes)
    {
        int frameWidth = frame.Right - frame.Left + 1;
        int frameHeight = frame.Bottom - frame.Top + 1;
        int textHeight = BitmapFont.CapHeight * TextScale;
        foreach (double tick in frame.Rate.Ticks)
        {
            int x = (int)Math.Floor(frame.ToCanvasX(tick));
            canvas.FillRectangle(x, frame.Top, 1, frameHeight, GridColour);
            canvas.FillRectangle(x, frame.Bottom, 1, TickLength, FrameColour);
            string label = frame.Rate.Format(tick);
            canvas.DrawText(label, x - PlotCanvas.MeasureText(label, TextScale) / 2, frame.Bottom + TickLength + 6, TextScale, PlotColour.Black);
        }

        foreach (double tick in frame.Psnr.Ticks)
        {
            int y = (int)Math.Floor(frame.ToCanvasY(tick));
            canvas.FillRectangle(frame.Left, y, frameWidth, 1, GridColour);
            canvas.FillRectangle(frame.Left - TickLength + 1, y, TickLength, 1, FrameColour);
            string label = frame.Psnr.Format(tick);
            int labelWidth = PlotCanvas.MeasureText(label, TextScale);
            canvas.DrawText(label, frame.Left - TickLength - 4 - labelWidth, y - textHeight / 2, TextScale, PlotColour.Black);
        }

        canvas.DrawRectangle(frame.Left, frame.Top, frameWidth, frameHeight, FrameColour);

        int rateTitleWidth = PlotCanvas.MeasureText(axes.Rate, TextScale);
        int rateTitleY = frame.Bottom + TickLength + 6 + BitmapFont.LineHeight * TextScale + 8;
        canvas.DrawText(axes.Rate, frame.Left + (frameWidth - rateTitleWidth) / 2, rateTitleY, TextScale, PlotColour.Black);
        int qualityTitleWidth = PlotCanvas.MeasureText(axes.Quality, TextScale);
        canvas.DrawTextUpward(axes.Quality, Margin, frame.Top + (frameHeight + qualityTitleWidth) / 2, TextScale, PlotColour.Black);
    }

    private static void DrawSeries(PlotCanvas canvas, RdPlotFrame frame, RdPoint[] points, PlotColour colour)
    {
        for (int i = 1; i < points.Length; i++)
        {
            (double x0, double y0) = frame.ToCanvas(points[i - 1]);
            (double x1, double y1) = frame.ToCanvas(points[i]);
            canvas.DrawLine(x0, y0, x1, y1, LineThickness, colour);
        }

        foreach (RdPoint point in points)
        {
            (double x, double y) = frame.ToCanvas(point);
            canvas.FillDisc(x, y, MarkerRadius, colour);
        }
    }

    /// <summary>
    /// A boxed list of the series, a line sample with a marker and the label on each row, in the corner of the frame
    /// that hides the least of the curves (the lower right when several hide nothing, where rate–distortion curves
    /// rarely go).
    /// </summary>
    private static void DrawLegend(PlotCanvas canvas, RdPlotFrame frame, IReadOnlyList<RdSeries> series)
    {
        const int Padding = 10;
        const int SampleLength = 32;
        int rowHeight = BitmapFont.LineHeight * TextScale + 6;
        int widestLabel = series.Max(s => PlotCanvas.MeasureText(s.Label, TextScale));
        int width = Padding + SampleLength + 8 + widestLabel + Padding;
        int height = 2 * Padding + series.Count * rowHeight - 6;
        (int Left, int Top)[] corners =
        [
            (frame.Right - Margin - width, frame.Bottom - Margin - height),
            (frame.Left + Margin, frame.Top + Margin),
            (frame.Right - Margin - width, frame.Top + Margin),
            (frame.Left + Margin, frame.Bottom - Margin - height),
        ];
        List<(double X, double Y)> curveSamples = SampleCurves(frame, series);
        (int left, int top) = corners.MinBy(c => curveSamples.Count(p => p.X >= c.Left - MarkerRadius && p.X <= c.Left + width + MarkerRadius && p.Y >= c.Top - MarkerRadius && p.Y <= c.Top + height + MarkerRadius));
        canvas.FillRectangle(left, top, width, height, PlotColour.White);
        canvas.DrawRectangle(left, top, width, height, LegendBorderColour);
        for (int i = 0; i < series.Count; i++)
        {
            int rowTop = top + Padding + i * rowHeight;
            double middle = rowTop + BitmapFont.CapHeight * TextScale / 2.0;
            PlotColour colour = SeriesColour(i);
            canvas.DrawLine(left + Padding, middle, left + Padding + SampleLength, middle, LineThickness, colour);
            canvas.FillDisc(left + Padding + SampleLength / 2.0, middle, MarkerRadius, colour);
            canvas.DrawText(series[i].Label, left + Padding + SampleLength + 8, rowTop, TextScale, PlotColour.Black);
        }
    }

    /// <summary>Canvas positions along every drawn curve: the points and positions every few pixels between them.</summary>
    private static List<(double X, double Y)> SampleCurves(RdPlotFrame frame, IReadOnlyList<RdSeries> series)
    {
        var samples = new List<(double X, double Y)>();
        foreach (RdSeries s in series)
        {
            RdPoint[] points = FinitePointsByRate(s);
            for (int i = 0; i < points.Length; i++)
            {
                (double x1, double y1) = frame.ToCanvas(points[i]);
                samples.Add((x1, y1));
                if (i == 0)
                {
                    continue;
                }

                (double x0, double y0) = frame.ToCanvas(points[i - 1]);
                int steps = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0)) / 4);
                for (int k = 1; k < steps; k++)
                {
                    double t = (double)k / steps;
                    samples.Add((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
                }
            }
        }

        return samples;
    }
}

/// <summary>The titles of an <see cref="RdPlot"/>'s axes: the rate across, the quality (or distortion) up.</summary>
/// <param name="Rate">The horizontal axis, e.g. <c>Rate (bpp)</c>.</param>
/// <param name="Quality">The vertical axis, e.g. <c>PSNR (dB)</c>.</param>
internal sealed record RdPlotAxisTitles(string Rate, string Quality);
