using Nic.Cli.Eval;

namespace Nic.Cli.Tests.Eval;

public sealed class BitmapFontTests
{
    private const string Covered = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,-+=_%()[]/:'!?·×²ø";

    [Fact]
    public void EveryGlyphIsFiveColumnsOfSevenOrNineRows()
    {
        foreach (char c in Covered)
        {
            IReadOnlyList<string> glyph = BitmapFont.Glyph(c);
            Assert.True(glyph.Count is BitmapFont.CapHeight or BitmapFont.LineHeight, $"'{c}' has {glyph.Count} rows");
            Assert.All(glyph, row => Assert.Matches("^[#.]{5}$", row));
        }
    }

    [Fact]
    public void OnlyDescendersGoBelowTheBaseline()
    {
        Assert.Equal(",gjpqy", string.Concat(Covered.Where(c => BitmapFont.Glyph(c).Count == BitmapFont.LineHeight).Order()));
    }

    [Fact]
    public void GlyphsAreDistinct()
    {
        var shapes = Covered.Select(c => string.Join('/', BitmapFont.Glyph(c))).ToList();

        Assert.Equal(shapes.Count, shapes.Distinct().Count());
    }

    [Fact]
    public void UnknownCharactersAreBoxesAndDashesAreHyphens()
    {
        Assert.False(BitmapFont.HasGlyph('€'));
        IReadOnlyList<string> box = BitmapFont.Glyph('€');
        Assert.Equal("#####", box[0]);
        Assert.Equal("#####", box[^1]);
        Assert.All(box.Skip(1).SkipLast(1), row => Assert.Equal("#...#", row));
        Assert.Equal(BitmapFont.Glyph('-'), BitmapFont.Glyph('\u2212'));
        Assert.Equal(BitmapFont.Glyph('-'), BitmapFont.Glyph('\u2013'));
    }

    [Fact]
    public void WidthCountsOneBlankColumnBetweenGlyphs()
    {
        Assert.Equal(0, BitmapFont.MeasureWidth(""));
        Assert.Equal(5, BitmapFont.MeasureWidth("A"));
        Assert.Equal(17, BitmapFont.MeasureWidth("bpp"));
    }
}
