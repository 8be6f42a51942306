namespace Nic.Cli.Eval;

/// <summary>
/// An RGB raster that plots are drawn on: rectangles, anti-aliased lines and discs, and text in
/// <see cref="BitmapFont"/>. Coordinates are in pixels from the top-left corner; pixel (x, y) covers the square from
/// (x, y) to (x + 1, y + 1), so its centre is at (x + 0.5, y + 0.5). Drawing outside the raster is clipped.
/// </summary>
internal sealed class PlotCanvas
{
    /// <summary>Creates a canvas filled with <paramref name="background"/>.</summary>
    public PlotCanvas(int width, int height, PlotColour background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        Pixels = new byte[width * height * 3];
        FillRectangle(0, 0, width, height, background);
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: rows top to bottom, R G B, no padding.</summary>
    public byte[] Pixels { get; }

    /// <summary>The colour of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public PlotColour GetPixel(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        int i = (y * Width + x) * 3;
        return new PlotColour(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    /// <summary>Paints the pixels of the rectangle with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public void FillRectangle(int x, int y, int width, int height, PlotColour colour)
    {
        int x0 = Math.Max(0, x);
        int y0 = Math.Max(0, y);
        int x1 = Math.Min(Width, x + width);
        int y1 = Math.Min(Height, y + height);
        for (int row = y0; row < y1; row++)
        {
            for (int column = x0; column < x1; column++)
            {
                Blend(column, row, colour, 1);
            }
        }
    }

    /// <summary>Outlines a rectangle with one-pixel lines on its outermost pixels.</summary>
    public void DrawRectangle(int x, int y, int width, int height, PlotColour colour)
    {
        FillRectangle(x, y, width, 1, colour);
        FillRectangle(x, y + height - 1, width, 1, colour);
        FillRectangle(x, y, 1, height, colour);
        FillRectangle(x + width - 1, y, 1, height, colour);
    }

    /// <summary>Draws an anti-aliased straight line of <paramref name="thickness"/> pixels with round ends.</summary>
    public void DrawLine(double x0, double y0, double x1, double y1, double thickness, PlotColour colour)
    {
        double reach = thickness / 2 + 1;
        double dx = x1 - x0;
        double dy = y1 - y0;
        double lengthSquared = dx * dx + dy * dy;
        ForEachPixelNear(Math.Min(x0, x1) - reach, Math.Min(y0, y1) - reach, Math.Max(x0, x1) + reach, Math.Max(y0, y1) + reach, (px, py) =>
        {
            // The distance from the pixel centre to the nearest point of the segment.
            double t = lengthSquared > 0 ? Math.Clamp(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0, 1) : 0;
            double distance = Math.Sqrt(Square(px - (x0 + t * dx)) + Square(py - (y0 + t * dy)));
            return thickness / 2 + 0.5 - distance;
        }, colour);
    }

    /// <summary>Draws an anti-aliased filled disc.</summary>
    public void FillDisc(double centreX, double centreY, double radius, PlotColour colour) =>
        ForEachPixelNear(centreX - radius - 1, centreY - radius - 1, centreX + radius + 1, centreY + radius + 1, (px, py) =>
            radius + 0.5 - Math.Sqrt(Square(px - centreX) + Square(py - centreY)), colour);

    /// <summary>
    /// Draws <paramref name="text"/> left to right with the top of its capitals at <paramref name="y"/>, each font pixel
    /// a <paramref name="scale"/> × <paramref name="scale"/> block.
    /// </summary>
    public void DrawText(string text, int x, int y, int scale, PlotColour colour) =>
        DrawGlyphs(text, scale, colour, (along, across) => (x + along, y + across));

    /// <summary>
    /// Draws <paramref name="text"/> turned a quarter turn anticlockwise, reading bottom to top, starting at
    /// <paramref name="y"/> and with the top of its capitals at <paramref name="x"/>.
    /// </summary>
    public void DrawTextUpward(string text, int x, int y, int scale, PlotColour colour) =>
        DrawGlyphs(text, scale, colour, (along, across) => (x + across, y - 1 - along));

    /// <summary>The width of <paramref name="text"/> drawn at <paramref name="scale"/>, in pixels.</summary>
    public static int MeasureText(string text, int scale) => BitmapFont.MeasureWidth(text) * scale;

    /// <summary>
    /// Inks every font pixel of <paramref name="text"/>; <paramref name="place"/> maps a position along the line and
    /// across it (both in canvas pixels, from the start of the line and the top of the capitals) to the canvas.
    /// </summary>
    private void DrawGlyphs(string text, int scale, PlotColour colour, Func<int, int, (int X, int Y)> place)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        for (int c = 0; c < text.Length; c++)
        {
            IReadOnlyList<string> glyph = BitmapFont.Glyph(text[c]);
            for (int row = 0; row < glyph.Count; row++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    if (glyph[row][column] != '#')
                    {
                        continue;
                    }

                    for (int sy = 0; sy < scale; sy++)
                    {
                        for (int sx = 0; sx < scale; sx++)
                        {
                            (int px, int py) = place((c * BitmapFont.Advance + column) * scale + sx, row * scale + sy);
                            Blend(px, py, colour, 1);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Blends <paramref name="colour"/> into the pixels of a box with the coverage <paramref name="coverage"/> gives for each pixel centre (clamped to [0, 1]).</summary>
    private void ForEachPixelNear(double left, double top, double right, double bottom, Func<double, double, double> coverage, PlotColour colour)
    {
        int x0 = Math.Max(0, (int)Math.Floor(left));
        int y0 = Math.Max(0, (int)Math.Floor(top));
        int x1 = Math.Min(Width - 1, (int)Math.Ceiling(right));
        int y1 = Math.Min(Height - 1, (int)Math.Ceiling(bottom));
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                double alpha = Math.Clamp(coverage(x + 0.5, y + 0.5), 0, 1);
                if (alpha > 0)
                {
                    Blend(x, y, colour, alpha);
                }
            }
        }
    }

    private void Blend(int x, int y, PlotColour colour, double alpha)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }

        int i = (y * Width + x) * 3;
        Pixels[i] = Mix(Pixels[i], colour.R, alpha);
        Pixels[i + 1] = Mix(Pixels[i + 1], colour.G, alpha);
        Pixels[i + 2] = Mix(Pixels[i + 2], colour.B, alpha);
    }

    private static byte Mix(byte under, byte over, double alpha) => (byte)Math.Round(under + (over - under) * alpha);

    private static double Square(double value) => value * value;
}
