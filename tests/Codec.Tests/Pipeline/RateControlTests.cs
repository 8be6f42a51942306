using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// Any quality of a variable-rate family, and bpp, size and PSNR targets, with the shipped mean-scale family on a small
/// photo-like image (spec/nic-model.md §11, <see cref="NicEncodeOptions"/>).
/// </summary>
public class RateControlTests
{
    // The mean-scale family, whose trained points are the fixed-rate files these tests compare with.
    private static readonly Lazy<NicCodec> Shipped = new(() => new NicCodec(options: new NicCodecOptions { Parallelism = 2, DefaultModel = "nic-mbt2018-mean-q4" }));

    private static readonly RgbImage Image = PipelineFixtures.Photo(96, 80, seed: 5);

    [Fact]
    public async Task QualityBetweenTrainedPointsCodesAtAnInterpolatedRateAndDecodes()
    {
        NicCodec codec = Shipped.Value;
        NicModelFamily family = codec.Catalog.FindFamily("nic-mbt2018-mean")!;
        byte[] file = codec.Encode(Image, new NicEncodeOptions { Model = "nic-mbt2018-mean", Quality = 60 });
        NicHeader header = NicFile.Read(file).Header;
        Assert.Equal(family.Id, header.Model);
        Assert.Equal(family.PositionForQuality(60), header.RateParameter);
        Assert.NotEqual(Math.Floor(header.RateParameter), header.RateParameter);
        RgbImage decoded = await codec.DecodeAsync(file);
        Assert.True(ImageQuality.Psnr(Image, decoded) > 25);
    }

    [Fact]
    public async Task RateAndPsnrRiseWithQuality()
    {
        NicCodec codec = Shipped.Value;
        var figures = new List<(long Bytes, double Psnr)>();
        foreach (double quality in new[] { 0.0, 10, 25, 40, 52.3, 60, 75, 87 })
        {
            byte[] file = codec.Encode(Image, new NicEncodeOptions { Quality = quality });
            figures.Add((file.Length, ImageQuality.Psnr(Image, await codec.DecodeAsync(file))));
        }

        for (int i = 1; i < figures.Count; i++)
        {
            Assert.True(figures[i].Bytes >= figures[i - 1].Bytes, $"bytes fell from {figures[i - 1].Bytes} to {figures[i].Bytes} at step {i}");
            Assert.True(figures[i].Psnr >= figures[i - 1].Psnr - 0.05, $"PSNR fell from {figures[i - 1].Psnr} to {figures[i].Psnr} at step {i}");
        }

        Assert.True(figures[^1].Bytes > 2 * figures[0].Bytes);
    }

    [Fact]
    public void ATrainedPointsQualityWritesTheFixedRateFileItWasAlways()
    {
        NicCodec codec = Shipped.Value;
        double q4 = NicModelFamily.QualityForLambda(codec.Catalog.Find("nic-mbt2018-mean-q4").File.Lambda);
        Assert.Equal(codec.Encode(Image, new NicEncodeOptions { Model = "nic-mbt2018-mean-q4" }), codec.Encode(Image, new NicEncodeOptions { Quality = q4 }));
        Assert.Equal(codec.Encode(Image, new NicEncodeOptions { RatePoint = 4, Model = "nic-mbt2018-mean" }), codec.Encode(Image));
    }

    [Theory]
    [InlineData(NicRateTargetKind.Bytes, 1400)]
    [InlineData(NicRateTargetKind.BitsPerPixel, 2.0)]
    public async Task ASizeTargetGivesTheLargestFileWithinIt(NicRateTargetKind kind, double value)
    {
        NicCodec codec = Shipped.Value;
        NicRateTarget target = kind == NicRateTargetKind.Bytes ? NicRateTarget.Bytes((long)value) : NicRateTarget.BitsPerPixel(value);
        using var stream = new MemoryStream();
        NicEncodeResult result = await codec.EncodeAsync(Image, stream, new NicEncodeOptions { Target = target });
        double reached = kind == NicRateTargetKind.Bytes ? result.Bytes : result.BitsPerPixel;
        Assert.True(result.TargetMet);
        Assert.InRange(reached, 0.97 * value, value);
        // Bisection over the 321 positions takes 10 encodes on this image for both targets; the interpolated search 6 and 8.
        Assert.InRange(result.Encodes, 3, 9);
        Assert.Equal(stream.Length, result.Bytes);
    }

    [Fact]
    public async Task APsnrTargetGivesTheSmallestFileThatReachesIt()
    {
        NicCodec codec = Shipped.Value;
        byte[] q40 = codec.Encode(Image, new NicEncodeOptions { Quality = 40 });
        double target = ImageQuality.Psnr(Image, await codec.DecodeAsync(q40)) + 0.3;
        using var stream = new MemoryStream();
        NicEncodeResult result = await codec.EncodeAsync(Image, stream, new NicEncodeOptions { Target = NicRateTarget.PsnrDb(target) });
        Assert.True(result.TargetMet);
        double psnr = ImageQuality.Psnr(Image, await codec.DecodeAsync(stream.ToArray()));
        Assert.Equal(psnr, result.PsnrDb!.Value, 9);
        Assert.InRange(psnr, target, target + 0.5);
        Assert.True(result.Bytes > q40.Length);
    }

    [Fact]
    public async Task AnUnreachableTargetGivesTheNearestEndAndSaysSo()
    {
        NicCodec codec = Shipped.Value;
        using var stream = new MemoryStream();
        NicEncodeResult small = await codec.EncodeAsync(Image, stream, new NicEncodeOptions { Target = NicRateTarget.Bytes(100) });
        Assert.False(small.TargetMet);
        Assert.Equal("nic-mbt2018-mean-q1", small.Header.Model.Name);
        NicEncodeResult sharp = await codec.EncodeAsync(Image, stream, new NicEncodeOptions { Target = NicRateTarget.PsnrDb(80) });
        Assert.False(sharp.TargetMet);
        Assert.Equal("nic-mbt2018-mean-q6", sharp.Header.Model.Name);
    }

    [Fact]
    public void ConflictingOrOutOfRangeRateOptionsAreRefused()
    {
        NicCodec codec = Shipped.Value;
        Assert.Throws<ArgumentException>(() => codec.Encode(Image, new NicEncodeOptions { Quality = 101 }));
        Assert.Throws<ArgumentException>(() => codec.Encode(Image, new NicEncodeOptions { Quality = 50, RatePoint = 2 }));
        Assert.Throws<ArgumentException>(() => codec.Encode(Image, new NicEncodeOptions { Quality = 50, Target = NicRateTarget.Bytes(1000) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => NicRateTarget.PsnrDb(double.NaN));
    }

    [Theory]
    [InlineData(1f / 128)]
    [InlineData(5.015625f)]
    [InlineData(-10f)]
    public async Task AFamilyFileWhoseRateParameterIsNoPositionIsRefusedWithInvalidRate(float offset)
    {
        NicCodec codec = Shipped.Value;
        NicFile coded = NicFile.Read(codec.Encode(Image, new NicEncodeOptions { Quality = 30 }));
        float rate = offset == 5.015625f ? offset : coded.Header.RateParameter + offset;
        byte[] forged = new NicFile { Header = coded.Header with { RateParameter = rate }, ZSubstream = coded.ZSubstream, Bands = coded.Bands }.ToArray();
        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => codec.DecodeAsync(forged));
        Assert.Equal(NicCodecError.InvalidRate, e.Error);
    }

    [Fact]
    public void InterpolatedModelsAreCachedButBounded()
    {
        NicCodec codec = Shipped.Value;
        NicModelFamily family = codec.Catalog.FindFamily("nic-mbt2018-mean")!;
        Assert.Same(codec.Catalog.AtPosition(family, 2.5).File, codec.Catalog.AtPosition(family, 2.5).File);
        for (int i = 1; i <= Catalog.NicModelCatalog.InterpolatedCacheSize; i++)
        {
            codec.Catalog.AtPosition(family, i / 64.0);
        }

        Assert.NotSame(codec.Catalog.AtPosition(family, 2.5).File, codec.Catalog.AtPosition(family, 3.5).File);
    }
}
