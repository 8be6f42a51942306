using Nic.Cli.Eval;
using StbImageSharp;

namespace Nic.Cli.Tests.Eval;

public sealed class RdPlotTests : IDisposable
{
    private static readonly RdSeries Jpeg = new("JPEG", [new(0.25, 27.5), new(0.5, 30.4), new(1.0, 33.8), new(2.0, 37.9)]);
    private static readonly RdSeries Model = new("nic (mse)", [new(0.15, 29.0), new(0.3, 31.6), new(0.6, 34.4), new(1.2, 37.6)]);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("nic-rdplot-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void SavedPngDecodesToThePlotSize()
    {
        string path = Path.Combine(_folder.FullName, "rd.png");

        RdPlot.Save(path, "Kodak: rate-distortion", [Jpeg, Model]);

        byte[] png = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        ImageResult image = ImageResult.FromMemory(png, ColorComponents.RedGreenBlue);
        Assert.Equal(RdPlot.Width, image.Width);
        Assert.Equal(RdPlot.Height, image.Height);
        // Only the finished file is left behind: no temporary file of the atomic write.
        Assert.Equal(["rd.png"], _folder.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void EachSeriesHasItsColourWhereItsPointsMap()
    {
        string path = Path.Combine(_folder.FullName, "rd.png");
        RdSeries[] series = [Jpeg, Model];

        RdPlot.Save(path, "markers", series);

        ImageResult image = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.RedGreenBlue);
        RdPlotFrame frame = RdPlot.CreateFrame(series);
        for (int s = 0; s < series.Length; s++)
        {
            PlotColour colour = RdPlot.SeriesColour(s);
            foreach (RdPoint point in series[s].Points)
            {
                (double x, double y) = frame.ToCanvas(point);
                Assert.True(HasColourNear(image, (int)x, (int)y, colour, radius: 2), $"no {colour} near ({x:F1}, {y:F1}) for {series[s].Label} at {point}");
            }
        }

        // The marker colours are the series' own: the first series' colour is absent from the second's first point.
        (double mx, double my) = frame.ToCanvas(Model.Points[0]);
        Assert.False(HasColourNear(image, (int)mx, (int)my, RdPlot.SeriesColour(0), radius: 2));
    }

    [Fact]
    public void AxesCoverTheDataWithRoundTicks()
    {
        RdPlotFrame frame = RdPlot.CreateFrame([Jpeg, Model]);

        Assert.True(frame.Rate.Min <= 0.15 && frame.Rate.Max >= 2.0);
        Assert.True(frame.Psnr.Min <= 27.5 && frame.Psnr.Max >= 37.9);
        Assert.All(frame.Psnr.Ticks, t => Assert.Equal(0, Math.IEEERemainder(t, frame.Psnr.Step), 9));
        Assert.InRange(frame.Rate.Ticks.Count, 4, 12);
        Assert.InRange(frame.Psnr.Ticks.Count, 3, 10);
    }

    [Fact]
    public void ClippingKeepsThePointsBelowTheCutAndEndsEachLineWhereItCrossesIt()
    {
        IReadOnlyList<RdSeries> clipped = RdPlot.Clip([Jpeg, Model], 0.75);

        // JPEG: 0.25 and 0.5 stay; between (0.5, 30.4) and (1.0, 33.8) the line crosses 0.75 at 30.4 + ½·3.4 = 32.1 dB.
        Assert.Equal([new(0.25, 27.5), new(0.5, 30.4), new(0.75, 32.1)], clipped[0].Points.Select(p => p with { PsnrDb = Math.Round(p.PsnrDb, 9) }));
        // The model: 0.15, 0.3, 0.6 stay; (0.6, 34.4)–(1.2, 37.6) crosses 0.75 at 34.4 + ¼·3.2 = 35.2 dB.
        Assert.Equal(4, clipped[1].Points.Count);
        Assert.Equal(35.2, clipped[1].Points[3].PsnrDb, 9);
        Assert.Equal(["JPEG", "nic (mse)"], clipped.Select(c => c.Label));

        RdPlotFrame frame = RdPlot.CreateFrame(clipped);
        Assert.True(frame.Rate.Max < 1.0, $"the rate axis runs to {frame.Rate.Max}");
        Assert.True(frame.Psnr.Max < 37.6, $"the PSNR axis runs to {frame.Psnr.Max}");
    }

    [Fact]
    public void ASeriesEntirelyBeyondTheCutKeepsItsFirstPointAndABadCutIsRefused()
    {
        RdSeries high = new("high", [new(3, 45), new(4, 47)]);

        IReadOnlyList<RdSeries> clipped = RdPlot.Clip([Model, high], 1.0);

        Assert.Equal([new RdPoint(3, 45)], clipped[1].Points);
        Assert.Throws<ArgumentOutOfRangeException>(() => RdPlot.Clip([Model], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdPlot.Clip([Model], double.NaN));
    }

    [Fact]
    public void NonFinitePointsAreLeftOut()
    {
        RdSeries withGaps = new("gaps", [new(0.3, 30), new(double.NaN, 31), new(0.6, double.PositiveInfinity), new(0.9, 35)]);

        RdPlotFrame frame = RdPlot.CreateFrame([withGaps]);

        Assert.True(frame.Rate.Max < 2 && frame.Psnr.Max < 40);
    }

    [Fact]
    public void NoSeriesIsRefused()
    {
        string path = Path.Combine(_folder.FullName, "rd.png");

        Assert.Throws<ArgumentException>(() => RdPlot.Save(path, "empty", []));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void SeriesWithoutFinitePointsIsRefused()
    {
        string path = Path.Combine(_folder.FullName, "rd.png");
        RdSeries broken = new("broken", [new(double.NaN, 30), new(0.5, double.NegativeInfinity)]);

        var error = Assert.Throws<ArgumentException>(() => RdPlot.Save(path, "broken", [Jpeg, broken]));
        Assert.Contains("broken", error.Message);
        Assert.Throws<ArgumentException>(() => RdPlot.Save(path, "empty series", [new RdSeries("none", [])]));
        Assert.Empty(_folder.GetFiles());
    }

    [Fact]
    public void ASinglePointPlotsInsideTheFrame()
    {
        RdSeries single = new("one", [new(0.5, 32)]);

        PlotCanvas canvas = RdPlot.Render("one point", [single]);
        RdPlotFrame frame = RdPlot.CreateFrame([single]);

        (double x, double y) = frame.ToCanvas(single.Points[0]);
        Assert.InRange(x, frame.Left + 1, frame.Right - 1);
        Assert.InRange(y, frame.Top + 1, frame.Bottom - 1);
        Assert.Equal(RdPlot.SeriesColour(0), canvas.GetPixel((int)x, (int)y));
    }

    [Fact]
    public void TextIsDrawnInTheTitleArea()
    {
        PlotCanvas canvas = RdPlot.Render("Title", [Jpeg]);

        int inked = 0;
        for (int y = 0; y < RdPlot.Margin + BitmapFont.CapHeight * RdPlot.TitleScale; y++)
        {
            for (int x = 0; x < canvas.Width; x++)
            {
                inked += canvas.GetPixel(x, y) == PlotColour.Black ? 1 : 0;
            }
        }

        // "Title": T 11, i 9, t 11, l 10, e 14 inked font pixels, each drawn as a 3 × 3 block.
        Assert.Equal((11 + 9 + 11 + 10 + 14) * 9, inked);
    }

    private static bool HasColourNear(ImageResult image, int cx, int cy, PlotColour colour, int radius)
    {
        for (int y = cy - radius; y <= cy + radius; y++)
        {
            for (int x = cx - radius; x <= cx + radius; x++)
            {
                int i = (y * image.Width + x) * 3;
                if (image.Data[i] == colour.R && image.Data[i + 1] == colour.G && image.Data[i + 2] == colour.B)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
