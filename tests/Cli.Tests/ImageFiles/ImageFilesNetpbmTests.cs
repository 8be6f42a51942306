using System.Text;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;

namespace Nic.Cli.Tests;

public sealed class ImageFilesNetpbmTests
{
    [Fact]
    public void A_binary_PPM_reads_exactly()
    {
        RgbImage image = TestImageFiles.Pattern(7, 5);
        byte[] ppm = [.. "P6\n# written by a test\n7 5\n255\n"u8, .. image.Pixels];

        RgbImage read = ImageFiles.Decode(ppm, "photo.ppm");

        Assert.True(read.PixelsEqual(image));
        Assert.True(read.Metadata.IsEmpty);
    }

    [Fact]
    public void A_PPM_file_reads_from_disk()
    {
        RgbImage image = TestImageFiles.Pattern(3, 2);
        string path = Path.Combine(Path.GetTempPath(), $"nic-{Guid.NewGuid():N}.ppm");
        File.WriteAllBytes(path, [.. "P6 3 2 255 "u8, .. image.Pixels]);
        try
        {
            Assert.True(ImageFiles.Read(path).PixelsEqual(image));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_16_bit_PGM_is_scaled_to_8_bits_as_gray()
    {
        byte[] pgm = [.. "P5 3 1 65535\n"u8, 0x00, 0x00, 0x80, 0x00, 0xFF, 0xFF];

        RgbImage read = ImageFiles.Decode(pgm, "gray.pgm");

        Assert.Equal(new byte[] { 0, 0, 0, 128, 128, 128, 255, 255, 255 }, read.Pixels);
    }

    [Fact]
    public void ASCII_PPM_and_PBM_read()
    {
        RgbImage ppm = ImageFiles.Decode(Encoding.ASCII.GetBytes("P3\n2 1\n15\n0 15 7  15 0 0\n"), "plain.ppm");
        RgbImage pbm = ImageFiles.Decode(Encoding.ASCII.GetBytes("P1\n3 1\n1 0\n1\n"), "plain.pbm");

        Assert.Equal(new byte[] { 0, 255, 119, 255, 0, 0 }, ppm.Pixels);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 255, 255, 0, 0, 0 }, pbm.Pixels);
    }

    [Fact]
    public void A_truncated_PPM_raster_is_refused()
    {
        byte[] ppm = [.. "P6\n100 100\n255\n"u8, .. new byte[100]];

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(ppm, "short.ppm"));

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_PPM_declaring_a_huge_size_is_refused_before_allocation()
    {
        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode("P6 100000 100000 255\n"u8.ToArray(), "huge.ppm"));

        Assert.Contains("100000×100000", error.Message);
    }

    [Fact]
    public void A_sample_above_the_maximum_value_is_refused()
    {
        Assert.Throws<ImageFileException>(() => ImageFiles.Decode([.. "P5 1 1 100\n"u8, 200], "over.pgm"));
    }
}
