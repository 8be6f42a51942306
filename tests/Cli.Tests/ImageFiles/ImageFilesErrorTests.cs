using System.Diagnostics;
using System.IO.Compression;
using CsCheck;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;

namespace Nic.Cli.Tests;

public sealed class ImageFilesErrorTests
{
    [Fact]
    public void A_PNG_whose_IHDR_claims_100000_by_100000_is_refused_at_once()
    {
        byte[] png = TestImageFiles.Png(
            TestImageFiles.PngChunkBytes("IHDR", TestImageFiles.IhdrData(100_000, 100_000)),
            TestImageFiles.PngChunkBytes("IDAT", ZlibOf(new byte[64])),
            TestImageFiles.PngChunkBytes("IEND", []));
        var clock = Stopwatch.StartNew();
        long allocated = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png, "huge.png"));

        Assert.Contains("100000×100000", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20, "nothing of the declared size was allocated");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_small_PNG_declaring_a_large_size_within_the_limit_is_refused_before_allocation()
    {
        byte[] png = TestImageFiles.Png(
            TestImageFiles.PngChunkBytes("IHDR", TestImageFiles.IhdrData(16_000, 16_000)),
            TestImageFiles.PngChunkBytes("IDAT", ZlibOf(new byte[1000])),
            TestImageFiles.PngChunkBytes("IEND", []));
        long allocated = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png, "small.png"));

        Assert.Contains("too short", error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20, "nothing of the declared size was allocated");
    }

    [Fact]
    public void A_small_JPEG_declaring_a_large_size_within_the_limit_is_refused_before_decoding()
    {
        byte[] jpeg = TestImageFiles.Jpeg(TestImageFiles.Pattern(8, 8));
        int frame = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        jpeg[frame + 5] = jpeg[frame + 7] = 0x3E;
        jpeg[frame + 6] = jpeg[frame + 8] = 0x80;
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(jpeg, "small.jpg"));

        Assert.Contains("16000×16000", error.Message);
        Assert.Contains("too short", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_lower_pixel_limit_refuses_an_image_the_default_accepts()
    {
        byte[] png = ImageFiles.EncodePng(TestImageFiles.Pattern(20, 20));

        Assert.Equal(20, ImageFiles.Decode(png, "ok.png").Width);
        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png, "limited.png", maxPixels: 399));
    }

    [Fact]
    public void PNG_image_data_that_inflates_far_beyond_the_declared_size_is_refused()
    {
        byte[] png = TestImageFiles.Png(
            TestImageFiles.PngChunkBytes("IHDR", TestImageFiles.IhdrData(16, 16)),
            TestImageFiles.PngChunkBytes("IDAT", ZlibOf(new byte[20 << 20])),
            TestImageFiles.PngChunkBytes("IEND", []));

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png, "bomb.png"));

        Assert.Contains("inflates", error.Message);
    }

    [Fact]
    public void A_truncated_PNG_is_refused()
    {
        byte[] png = ImageFiles.EncodePng(TestImageFiles.Pattern(50, 40));

        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png[..(png.Length / 2)], "half.png"));
        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png[..20], "header.png"));
        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png[..8], "signature.png"));
    }

    [Fact]
    public void A_PNG_with_corrupt_image_data_is_refused()
    {
        byte[] png = ImageFiles.EncodePng(TestImageFiles.Pattern(50, 40));
        int idat = png.AsSpan().IndexOf("IDAT"u8);
        for (int i = idat + 10; i < idat + 60; i++)
        {
            png[i] ^= 0xA5;
        }

        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(png, "corrupt.png"));
    }

    [Fact]
    public void Garbage_and_empty_input_are_refused_with_the_file_name()
    {
        var garbage = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(TestImageFiles.Bytes(1000, 9), "noise.bin"));
        var empty = Assert.Throws<ImageFileException>(() => ImageFiles.Decode([], "empty.png"));
        var text = Assert.Throws<ImageFileException>(() => ImageFiles.Decode("hello, world\n"u8.ToArray(), "hello.txt"));

        Assert.StartsWith("noise.bin: ", garbage.Message);
        Assert.StartsWith("empty.png: ", empty.Message);
        Assert.StartsWith("hello.txt: ", text.Message);
    }

    [Fact]
    public void A_missing_file_is_an_IO_error()
    {
        Assert.ThrowsAny<IOException>(() => ImageFiles.Read(Path.Combine(Path.GetTempPath(), $"nic-missing-{Guid.NewGuid():N}.png")));
    }

    [Fact]
    public void Damaged_PNG_JPEG_and_PPM_files_decode_or_fail_with_ImageFileException_only()
    {
        RgbImage image = TestImageFiles.Pattern(24, 16);
        image.Metadata = TestImageFiles.Metadata(300);
        byte[][] originals =
        [
            ImageFiles.EncodePng(image),
            TestImageFiles.InsertAfterStartOfImage(
                TestImageFiles.Jpeg(image),
                TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), TestImageFiles.Exif()),
                TestImageFiles.IccSegment(TestImageFiles.Bytes(200, 7), 1, 1)),
            [.. "P6\n24 16\n255\n"u8, .. image.Pixels],
        ];
        var damage =
            from original in Gen.Int[0, originals.Length - 1]
            from cut in Gen.Int[0, 4000]
            from flips in Gen.Select(Gen.Int[0, 4000], Gen.Byte).Array[0, 6]
            select (original, cut, flips);

        damage.Sample(
            test =>
            {
                byte[] file = originals[test.original];
                file = file[..Math.Min(file.Length, test.cut)];
                foreach ((int position, byte value) in test.flips)
                {
                    if (position < file.Length)
                    {
                        file[position] ^= value;
                    }
                }

                ImageMetadataReader.Read(file);
                try
                {
                    ImageFiles.Decode(file, "damaged");
                }
                catch (ImageFileException)
                {
                }
            },
            iter: 400);
    }

    private static byte[] ZlibOf(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }
}
