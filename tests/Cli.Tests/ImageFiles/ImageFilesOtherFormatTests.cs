using System.Buffers.Binary;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using StbImageWriteSharp;

namespace Nic.Cli.Tests;

public sealed class ImageFilesOtherFormatTests
{
    [Fact]
    public void A_BMP_reads_exactly()
    {
        RgbImage image = TestImageFiles.Pattern(13, 7);

        RgbImage read = ImageFiles.Decode(Bmp(image), "photo.bmp");

        Assert.True(read.PixelsEqual(image));
        Assert.True(read.Metadata.IsEmpty);
    }

    [Fact]
    public void A_TGA_without_a_signature_reads_exactly()
    {
        RgbImage image = TestImageFiles.Pattern(9, 11);
        using var stream = new MemoryStream();
        new ImageWriter().WriteTga(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, stream);

        RgbImage read = ImageFiles.Decode(stream.ToArray(), "photo.tga");

        Assert.True(read.PixelsEqual(image));
    }

    [Fact]
    public void A_small_BMP_declaring_a_large_size_is_refused_before_decoding()
    {
        byte[] bmp = Bmp(TestImageFiles.Pattern(8, 8));
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 16_000);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 16_000);

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(bmp, "small.bmp"));

        Assert.Contains("too short", error.Message);
    }

    private static byte[] Bmp(RgbImage image)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WriteBmp(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, stream);
        return stream.ToArray();
    }
}
