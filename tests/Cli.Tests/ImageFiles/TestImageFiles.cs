using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Nic.Codec.Imaging;
using Nic.Format;
using StbImageWriteSharp;

namespace Nic.Cli.Tests;

/// <summary>Images, metadata and hand-built PNG and JPEG files for the image file tests.</summary>
internal static class TestImageFiles
{
    /// <summary>A smooth pattern with some texture, different in each channel.</summary>
    public static RgbImage Pattern(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = image.GetRow(y);
            for (int x = 0; x < width; x++)
            {
                row[3 * x] = (byte)(x * 255 / Math.Max(1, width - 1));
                row[(3 * x) + 1] = (byte)(y * 255 / Math.Max(1, height - 1));
                row[(3 * x) + 2] = (byte)(((x * 7) + (y * 13)) % 256);
            }
        }

        return image;
    }

    /// <summary>Arbitrary bytes from a seed.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>EXIF as PNG eXIf holds it: a little-endian TIFF header, then arbitrary bytes.</summary>
    public static byte[] Exif(int length = 120) => [.. "II*\0"u8, 8, 0, 0, 0, .. Bytes(length - 8, 2)];

    /// <summary>An XMP packet with non-ASCII text.</summary>
    public static byte[] Xmp() => Encoding.UTF8.GetBytes(
        "<?xpacket begin='\uFEFF' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        + "<dc:title>Grüße — 写真</dc:title></x:xmpmeta><?xpacket end='w'?>");

    /// <summary>An ICC profile of arbitrary bytes, an EXIF block and an XMP packet.</summary>
    public static NicMetadata Metadata(int iccLength = 400) => new() { IccProfile = Bytes(iccLength, 1), Exif = Exif(), Xmp = Xmp() };

    /// <summary>A baseline JPEG of <paramref name="image"/> without metadata.</summary>
    public static byte[] Jpeg(RgbImage image, int quality = 95)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WriteJpg(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, stream, quality);
        return stream.ToArray();
    }

    /// <summary>A JPEG marker segment: 0xFF, the marker, the length, then the parts.</summary>
    public static byte[] JpegSegmentBytes(byte marker, params byte[][] parts)
    {
        byte[] payload = [.. parts.SelectMany(part => part)];
        byte[] segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), checked((ushort)(payload.Length + 2)));
        payload.CopyTo(segment, 4);
        return segment;
    }

    /// <summary>An APP2 ICC_PROFILE segment with its sequence number and count.</summary>
    public static byte[] IccSegment(byte[] part, int sequence, int count) =>
        JpegSegmentBytes(0xE2, [.. "ICC_PROFILE\0"u8, (byte)sequence, (byte)count], part);

    /// <summary><paramref name="jpeg"/> with <paramref name="segments"/> inserted right after SOI.</summary>
    public static byte[] InsertAfterStartOfImage(byte[] jpeg, params byte[][] segments) =>
        [.. jpeg.AsSpan(0, 2), .. segments.SelectMany(segment => segment), .. jpeg.AsSpan(2)];

    /// <summary>A PNG chunk with its length and CRC.</summary>
    public static byte[] PngChunkBytes(string type, ReadOnlySpan<byte> data)
    {
        byte[] chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4, 4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>The chunks of a PNG file (type, data, whether the CRC is right), read independently of the code under test.</summary>
    public static List<(string Type, byte[] Data, bool CrcRight)> PngChunks(byte[] png)
    {
        var chunks = new List<(string, byte[], bool)>();
        int offset = 8;
        while (offset + 12 <= png.Length)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset)));
            string type = Encoding.ASCII.GetString(png, offset + 4, 4);
            byte[] data = png.AsSpan(offset + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            chunks.Add((type, data, crc == Crc32.HashToUInt32(png.AsSpan(offset + 4, 4 + length))));
            offset += 12 + length;
        }

        return chunks;
    }

    /// <summary>A PNG file made of the signature and the given chunks.</summary>
    public static byte[] Png(params byte[][] chunks) => [0x89, .. "PNG\r\n\u001A\n"u8, .. chunks.SelectMany(chunk => chunk)];

    /// <summary>The 13 data bytes of an IHDR chunk: 8-bit RGB, not interlaced.</summary>
    public static byte[] IhdrData(uint width, uint height)
    {
        byte[] data = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(data, width);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), height);
        data[8] = 8;
        data[9] = 2;
        return data;
    }

    /// <summary>The mean absolute difference of the samples of two images of the same size.</summary>
    public static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        long sum = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            sum += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }

        return (double)sum / a.Pixels.Length;
    }
}
