using Nic.Cli.Imaging;
using Nic.Codec.Imaging;

namespace Nic.Cli.Tests;

public sealed class ImageFilesJpegTests
{
    [Fact]
    public void EXIF_XMP_and_a_two_segment_ICC_profile_are_read_from_a_JPEG()
    {
        RgbImage image = TestImageFiles.Pattern(40, 30);
        byte[] icc = TestImageFiles.Bytes(50_000, 3);
        byte[] exif = TestImageFiles.Exif(300);
        byte[] xmp = TestImageFiles.Xmp();
        byte[] jpeg = TestImageFiles.InsertAfterStartOfImage(
            TestImageFiles.Jpeg(image),
            TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), exif),
            TestImageFiles.JpegSegmentBytes(0xE1, "http://ns.adobe.com/xap/1.0/\0"u8.ToArray(), xmp),
            TestImageFiles.IccSegment(icc[30_000..], 2, 2),
            TestImageFiles.IccSegment(icc[..30_000], 1, 2));

        RgbImage read = ImageFiles.Decode(jpeg, "photo.jpg");

        Assert.Equal((40, 30), (read.Width, read.Height));
        Assert.True(TestImageFiles.MeanAbsoluteDifference(image, read) < 4, "the JPEG decodes close to the original");
        Assert.Equal(icc, read.Metadata.IccProfile);
        Assert.Equal(exif, read.Metadata.Exif);
        Assert.Equal(xmp, read.Metadata.Xmp);
    }

    [Fact]
    public void A_JPEG_round_trips_its_metadata_into_PNG()
    {
        RgbImage image = TestImageFiles.Pattern(12, 10);
        byte[] icc = TestImageFiles.Bytes(700, 4);
        byte[] exif = TestImageFiles.Exif();
        byte[] jpeg = TestImageFiles.InsertAfterStartOfImage(
            TestImageFiles.Jpeg(image),
            TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), exif),
            TestImageFiles.IccSegment(icc, 1, 1));

        RgbImage fromJpeg = ImageFiles.Decode(jpeg, "photo.jpg");
        RgbImage fromPng = ImageFiles.Decode(ImageFiles.EncodePng(fromJpeg), "photo.png");

        Assert.True(fromPng.PixelsEqual(fromJpeg));
        Assert.Equal(icc, fromPng.Metadata.IccProfile);
        Assert.Equal(exif, fromPng.Metadata.Exif);
        Assert.Null(fromPng.Metadata.Xmp);
    }

    [Fact]
    public void An_ICC_profile_with_a_missing_segment_is_left_out_and_the_rest_is_read()
    {
        byte[] exif = TestImageFiles.Exif();
        byte[] jpeg = TestImageFiles.InsertAfterStartOfImage(
            TestImageFiles.Jpeg(TestImageFiles.Pattern(8, 8)),
            TestImageFiles.IccSegment(TestImageFiles.Bytes(100, 5), 1, 3),
            TestImageFiles.IccSegment(TestImageFiles.Bytes(100, 6), 3, 3),
            TestImageFiles.JpegSegmentBytes(0xE1, "Exif\0\0"u8.ToArray(), exif),
            TestImageFiles.IccSegment([], 9, 0));

        RgbImage read = ImageFiles.Decode(jpeg, "partial-icc.jpg");

        Assert.Null(read.Metadata.IccProfile);
        Assert.Equal(exif, read.Metadata.Exif);
    }

    [Fact]
    public void A_JPEG_whose_frame_header_claims_65535_by_65535_is_refused_before_decoding()
    {
        byte[] jpeg = TestImageFiles.Jpeg(TestImageFiles.Pattern(8, 8));
        int frame = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        jpeg[frame + 5] = jpeg[frame + 6] = jpeg[frame + 7] = jpeg[frame + 8] = 0xFF;

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(jpeg, "huge.jpg"));

        Assert.Contains("65535×65535", error.Message);
        Assert.StartsWith("huge.jpg: ", error.Message);
    }

    [Fact]
    public void A_JPEG_cut_inside_its_scan_data_is_refused_rather_than_filled_with_gray()
    {
        byte[] jpeg = TestImageFiles.Jpeg(TestImageFiles.Pattern(64, 64));

        var error = Assert.Throws<ImageFileException>(() => ImageFiles.Decode(jpeg[..(jpeg.Length - 200)], "cut.jpg"));

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_JPEG_cut_before_its_frame_header_is_refused()
    {
        byte[] jpeg = TestImageFiles.Jpeg(TestImageFiles.Pattern(16, 16));
        int frame = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);

        Assert.Throws<ImageFileException>(() => ImageFiles.Decode(jpeg[..(frame + 4)], "cut.jpg"));
    }
}
