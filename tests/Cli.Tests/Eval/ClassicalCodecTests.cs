using Nic.Cli.Eval;
using Nic.Codec.Imaging;

namespace Nic.Cli.Tests.Eval;

/// <summary>
/// The classical codecs against their real command-line tools. A fresh machine may lack the tools; a codec whose
/// encoder or decoder is not on the PATH is not tested (the test returns at once and passes), so these tests prove
/// something only where the tools are installed.
/// </summary>
public sealed class ClassicalCodecTests
{
    public static TheoryData<string> CodecNames => [.. ClassicalCodecs.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CodecNames))]
    public async Task CompressesASyntheticImage_WhenItsToolsAreInstalled(string name)
    {
        ClassicalCodec codec = ClassicalCodecs.Find(name)!;
        if (!codec.IsAvailable)
        {
            return;
        }

        RgbImage image = SyntheticImage(64, 48);

        ClassicalCodecResult result = await codec.CompressAsync(image, 60, CancellationToken.None);

        Assert.Equal(name, result.Codec);
        Assert.Equal(60, result.Quality);
        Assert.Equal(result.Bytes * 8.0 / (64 * 48), result.Bpp, 12);
        Assert.InRange(result.Bpp, 1e-9, 24);
        Assert.True(result.PsnrDb > 25, $"{name} at quality 60: {result.PsnrDb:F2} dB");
        Assert.True(double.IsFinite(result.PsnrDb));
        Assert.True(result.EncodeSeconds > 0);
    }

    [Theory]
    [MemberData(nameof(CodecNames))]
    public async Task HigherQualityCostsMoreBytesAndGivesHigherPsnr_WhenItsToolsAreInstalled(string name)
    {
        ClassicalCodec codec = ClassicalCodecs.Find(name)!;
        if (!codec.IsAvailable)
        {
            return;
        }

        RgbImage image = SyntheticImage(64, 48);

        ClassicalCodecResult low = await codec.CompressAsync(image, 30, CancellationToken.None);
        ClassicalCodecResult high = await codec.CompressAsync(image, 90, CancellationToken.None);

        Assert.True(high.Bytes > low.Bytes, $"{name}: {low.Bytes} bytes at 30, {high.Bytes} at 90");
        Assert.True(high.PsnrDb > low.PsnrDb, $"{name}: {low.PsnrDb:F2} dB at 30, {high.PsnrDb:F2} at 90");
    }

    [Fact]
    public async Task TemporaryFilesAreRemoved_WhenJpegToolsAreInstalled()
    {
        ClassicalCodec codec = ClassicalCodecs.Jpeg;
        if (!codec.IsAvailable)
        {
            return;
        }

        string[] before = TemporaryFolders("nic-jpeg-");

        await codec.CompressAsync(SyntheticImage(16, 16), 50, CancellationToken.None);

        Assert.Equal(before, TemporaryFolders("nic-jpeg-"));
    }

    [Fact]
    public async Task AFailingToolReportsItsStandardErrorAndLeavesNoFiles_WhenJpegToolsAreInstalled()
    {
        if (!ClassicalCodecs.Jpeg.IsAvailable)
        {
            return;
        }

        var broken = new ClassicalCodec(
            "broken-jpeg", "cjpeg", "djpeg", ".ppm", ".jpg", ".ppm", (1, 100), [50],
            (quality, input, coded) => ["-no-such-option", "-outfile", coded, input],
            (coded, decoded) => ["-ppm", "-outfile", decoded, coded]);
        string[] before = TemporaryFolders("nic-broken-jpeg-");

        var error = await Assert.ThrowsAsync<ExternalToolException>(() => broken.CompressAsync(SyntheticImage(16, 16), 50, CancellationToken.None));

        Assert.Equal("cjpeg", error.Tool);
        Assert.NotEqual(0, error.ExitCode);
        Assert.NotEmpty(error.StandardError);
        Assert.Contains(error.StandardError, error.Message);
        Assert.Equal(before, TemporaryFolders("nic-broken-jpeg-"));
    }

    [Fact]
    public async Task CancellingStopsTheToolAndLeavesNoFiles_WhenJpegToolsAreInstalled()
    {
        if (!ClassicalCodecs.Jpeg.IsAvailable)
        {
            return;
        }

        string[] before = TemporaryFolders("nic-jpeg-");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ClassicalCodecs.Jpeg.CompressAsync(SyntheticImage(16, 16), 50, cancellation.Token));

        Assert.Equal(before, TemporaryFolders("nic-jpeg-"));
    }

    [Fact]
    public async Task AMissingToolIsUnavailableAndFailsToStart()
    {
        var missing = new ClassicalCodec(
            "missing", "nic-test-no-such-encoder", "nic-test-no-such-decoder", ".ppm", ".bin", ".ppm", (0, 100), [50],
            (quality, input, coded) => [input, coded],
            (coded, decoded) => [coded, decoded]);

        Assert.False(missing.IsAvailable);
        var error = await Assert.ThrowsAsync<ExternalToolException>(() => missing.CompressAsync(SyntheticImage(8, 8), 50, CancellationToken.None));
        Assert.Null(error.ExitCode);
        Assert.Contains("nic-test-no-such-encoder", error.Message);
        Assert.Empty(TemporaryFolders("nic-missing-"));
    }

    [Fact]
    public async Task QualityOutsideTheCodecsRangeIsRefused()
    {
        RgbImage image = SyntheticImage(8, 8);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ClassicalCodecs.Jpeg.CompressAsync(image, 0, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ClassicalCodecs.WebP.CompressAsync(image, 101, CancellationToken.None));
    }

    [Fact]
    public void DefaultSweepsAscendWithinEachCodecsRange()
    {
        Assert.Equal(["jpeg", "webp", "avif", "jxl", "heic"], ClassicalCodecs.All.Select(c => c.Name));
        foreach (ClassicalCodec codec in ClassicalCodecs.All)
        {
            Assert.InRange(codec.DefaultQualities.Count, 6, 8);
            Assert.Equal(codec.DefaultQualities.Order(), codec.DefaultQualities);
            Assert.Equal(codec.DefaultQualities.Count, codec.DefaultQualities.Distinct().Count());
            Assert.All(codec.DefaultQualities, q => Assert.InRange(q, codec.MinQuality, codec.MaxQuality));
        }
    }

    [Theory]
    [InlineData(100, 0)]
    [InlineData(0, 63)]
    [InlineData(50, 32)]
    [InlineData(90, 6)]
    public void AvifQualityMapsOntoTheQuantizerScale(int quality, int quantizer) =>
        Assert.Equal(quantizer, ClassicalCodecs.AvifQuantizer(quality));

    [Fact]
    public void CommandLinesPassTheQualityAndPaths()
    {
        Assert.Equal(["-quality", "75", "-optimize", "-outfile", "out.jpg", "in.ppm"], ClassicalCodecs.Jpeg.EncoderArguments(75, "in.ppm", "out.jpg"));
        Assert.Equal(["-s", "6", "-y", "444", "--min", "16", "--max", "16", "in.png", "out.avif"], ClassicalCodecs.Avif.EncoderArguments(75, "in.png", "out.avif"));
        Assert.Contains("75", ClassicalCodecs.WebP.EncoderArguments(75, "in.png", "out.webp"));
        Assert.Contains("75", ClassicalCodecs.JpegXl.EncoderArguments(75, "in.png", "out.jxl"));
        Assert.Contains("75", ClassicalCodecs.Heic.EncoderArguments(75, "in.png", "out.heic"));
    }

    [Theory]
    [InlineData(".ppm")]
    [InlineData(".png")]
    public void ToolImageFilesRoundTrip(string extension)
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("nic-toolimage-");
        try
        {
            RgbImage image = SyntheticImage(37, 23);
            string path = Path.Combine(folder.FullName, "image" + extension);

            ToolImageFile.Write(image, path);

            Assert.True(ToolImageFile.Read(path).PixelsEqual(image));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void PpmHeadersWithCommentsAndOtherMaximaAreRead()
    {
        // A 2×1 image with a comment line in the header and maximum 15: samples 0, 15 and 5 become 0, 255 and 85.
        byte[] ppm = [.. "P6\n# written by hand\n2 1\n15\n"u8, 0, 15, 5, 15, 0, 5];
        RgbImage image = ReadBytes(ppm, "small.ppm");

        Assert.Equal(2, image.Width);
        Assert.Equal(1, image.Height);
        Assert.Equal([0, 255, 85, 255, 0, 85], image.Pixels);
    }

    [Fact]
    public void SixteenBitPpmSamplesAreReducedToEightBits()
    {
        // Maximum 65535: two bytes per sample, most significant first; 0x8080 / 65535 · 255 rounds to 128.
        byte[] ppm = [.. "P6 1 1 65535\n"u8, 0xFF, 0xFF, 0x80, 0x80, 0x00, 0x00];

        Assert.Equal([255, 128, 0], ReadBytes(ppm, "deep.ppm").Pixels);
    }

    [Fact]
    public void TruncatedPpmIsInvalidData()
    {
        byte[] ppm = [.. "P6 4 4 255\n"u8, 1, 2, 3];

        var error = Assert.Throws<InvalidDataException>(() => ReadBytes(ppm, "short.ppm"));
        Assert.Contains("48 bytes", error.Message);
    }

    [Fact]
    public void AFileThatIsNoImageIsInvalidData()
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("nic-toolimage-");
        try
        {
            string path = Path.Combine(folder.FullName, "garbage.png");
            File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);

            Assert.Throws<InvalidDataException>(() => ToolImageFile.Read(path));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static RgbImage ReadBytes(byte[] bytes, string name)
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("nic-toolimage-");
        try
        {
            string path = Path.Combine(folder.FullName, name);
            File.WriteAllBytes(path, bytes);
            return ToolImageFile.Read(path);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Smooth colour ramps with a ripple and seeded noise on top: neither trivially compressible nor pure noise.</summary>
    private static RgbImage SyntheticImage(int width, int height)
    {
        var random = new Random(1234);
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                double ripple = 40 * Math.Sin(x / 3.0) * Math.Cos(y / 4.0);
                row[3 * x] = Clamp(30 + 190.0 * x / width + ripple + random.Next(-8, 9));
                row[3 * x + 1] = Clamp(220 - 170.0 * y / height + random.Next(-8, 9));
                row[3 * x + 2] = Clamp(128 + ripple + 50.0 * (x + y) / (width + height) + random.Next(-8, 9));
            }
        }

        return image;
    }

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);

    private static string[] TemporaryFolders(string prefix) =>
        [.. Directory.GetDirectories(Path.GetTempPath(), prefix + "*").Order()];
}
