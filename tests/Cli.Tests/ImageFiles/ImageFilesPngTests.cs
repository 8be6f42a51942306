using System.Text;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Format;

namespace Nic.Cli.Tests;

public sealed class ImageFilesPngTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("nic-image-files-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Pixels_and_metadata_come_back_byte_for_byte_through_WritePng_and_Read()
    {
        RgbImage image = TestImageFiles.Pattern(37, 23);
        NicMetadata metadata = TestImageFiles.Metadata();
        image.Metadata = metadata;
        string path = Path.Combine(_folder.FullName, "photo.png");

        ImageFiles.WritePng(path, image);
        RgbImage read = ImageFiles.Read(path);

        Assert.True(read.PixelsEqual(image));
        Assert.Equal(metadata.IccProfile, read.Metadata.IccProfile);
        Assert.Equal(metadata.Exif, read.Metadata.Exif);
        Assert.Equal(metadata.Xmp, read.Metadata.Xmp);
    }

    [Fact]
    public void Metadata_chunks_follow_IHDR_with_right_CRCs()
    {
        RgbImage image = TestImageFiles.Pattern(16, 9);
        image.Metadata = TestImageFiles.Metadata();

        var chunks = TestImageFiles.PngChunks(ImageFiles.EncodePng(image));

        Assert.Equal(["IHDR", "iCCP", "eXIf", "iTXt"], chunks.Take(4).Select(chunk => chunk.Type));
        Assert.Equal("IEND", chunks[^1].Type);
        Assert.All(chunks, chunk => Assert.True(chunk.CrcRight, $"{chunk.Type} CRC"));
        Assert.Equal(image.Metadata.Exif, chunks[2].Data);
        byte[] itxt = chunks[3].Data;
        Assert.Equal("XML:com.adobe.xmp\0\0\0\0\0", Encoding.Latin1.GetString(itxt, 0, 22));
        Assert.Equal(image.Metadata.Xmp, itxt[22..]);
        Assert.StartsWith("ICC profile\0\0", Encoding.Latin1.GetString(chunks[1].Data));
    }

    [Fact]
    public void An_image_without_metadata_reads_back_with_none()
    {
        RgbImage image = TestImageFiles.Pattern(5, 4);

        byte[] png = ImageFiles.EncodePng(image);
        RgbImage read = ImageFiles.Decode(png, "plain.png");

        Assert.True(read.PixelsEqual(image));
        Assert.True(read.Metadata.IsEmpty);
        Assert.DoesNotContain(TestImageFiles.PngChunks(png), chunk => chunk.Type is "iCCP" or "eXIf" or "iTXt");
    }

    [Fact]
    public void WritePng_leaves_only_the_target_and_replaces_an_existing_file()
    {
        string path = Path.Combine(_folder.FullName, "out.png");
        File.WriteAllText(path, "old content");
        RgbImage image = TestImageFiles.Pattern(8, 8);
        image.Metadata = TestImageFiles.Metadata();

        ImageFiles.WritePng(path, image);

        Assert.Equal(["out.png"], _folder.GetFiles().Select(file => file.Name));
        Assert.Equal(ImageFiles.EncodePng(image), File.ReadAllBytes(path));
    }

    [Fact]
    public void Compressed_XMP_in_iTXt_is_read()
    {
        byte[] xmp = TestImageFiles.Xmp();
        byte[] plain = ImageFiles.EncodePng(TestImageFiles.Pattern(4, 4));
        byte[] itxt = TestImageFiles.PngChunkBytes("iTXt", [.. "XML:com.adobe.xmp\0"u8, 1, 0, .. "en\0"u8, 0, .. Zlib.Deflate(xmp)]);
        byte[] png = [.. plain.AsSpan(0, 33), .. itxt, .. plain.AsSpan(33)];

        RgbImage read = ImageFiles.Decode(png, "compressed-xmp.png");

        Assert.Equal(xmp, read.Metadata.Xmp);
        Assert.Null(read.Metadata.IccProfile);
    }

    [Fact]
    public void A_metadata_chunk_with_a_wrong_CRC_is_skipped_and_the_rest_is_read()
    {
        RgbImage image = TestImageFiles.Pattern(6, 6);
        image.Metadata = TestImageFiles.Metadata();
        byte[] png = ImageFiles.EncodePng(image);
        int exif = IndexOf(png, "eXIf"u8);
        png[exif + 10] ^= 0x55;

        RgbImage read = ImageFiles.Decode(png, "bad-crc.png");

        Assert.True(read.PixelsEqual(image));
        Assert.Null(read.Metadata.Exif);
        Assert.Equal(image.Metadata.IccProfile, read.Metadata.IccProfile);
        Assert.Equal(image.Metadata.Xmp, read.Metadata.Xmp);
    }

    [Fact]
    public void An_iCCP_chunk_with_corrupt_zlib_data_is_skipped()
    {
        byte[] plain = ImageFiles.EncodePng(TestImageFiles.Pattern(4, 4));
        byte[] iccp = TestImageFiles.PngChunkBytes("iCCP", [.. "ICC profile\0"u8, 0, 0x78, 0x9C, 1, 2, 3, 4, 5]);
        byte[] png = [.. plain.AsSpan(0, 33), .. iccp, .. plain.AsSpan(33)];

        RgbImage read = ImageFiles.Decode(png, "bad-iccp.png");

        Assert.True(read.Metadata.IsEmpty);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
