using System.Buffers.Binary;
using Nic.Codec.Imaging;

namespace Nic.Service.Tests;

public sealed class PngRowWriterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(320, 300)]
    public async Task RowsWrittenOneByOneDecodeToTheSamePixels(int width, int height)
    {
        var random = new Random(width * 1000 + height);
        var image = new RgbImage(width, height);
        random.NextBytes(image.Pixels);
        using var output = new MemoryStream();

        await using (var png = new PngRowWriter(output, width, height))
        {
            await png.WriteHeaderAsync();
            for (int y = 0; y < height; y++)
            {
                png.WriteRow(image.GetRow(y));
                await png.FlushAsync();
            }

            await png.CompleteAsync();
        }

        byte[] file = output.ToArray();
        Assert.True(Images.Pixels(file).PixelsEqual(image));
        List<(string Type, int Length)> chunks = Chunks(file);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal(("IEND", 0), chunks[^1]);
        Assert.All(chunks.Where(c => c.Type == "IDAT"), c => Assert.InRange(c.Length, 1, PngRowWriter.ChunkSize));
        if (width * height * 3 > 3 * PngRowWriter.ChunkSize)
        {
            // Noise does not compress: the data goes out in several chunks, as it accumulates.
            Assert.True(chunks.Count(c => c.Type == "IDAT") >= 3);
        }
    }

    [Fact]
    public async Task CompletingWithRowsMissingIsRefused()
    {
        await using var png = new PngRowWriter(new MemoryStream(), 4, 2);
        await png.WriteHeaderAsync();
        png.WriteRow(new byte[12]);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await png.CompleteAsync());
        Assert.Throws<ArgumentOutOfRangeException>(() => png.WriteRow(new byte[11]));
    }

    private static List<(string Type, int Length)> Chunks(byte[] file)
    {
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, file[..8]);
        var chunks = new List<(string, int)>();
        for (int offset = 8; offset < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8 + length));
            Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(file.AsSpan(offset + 4, 4 + length)), crc);
            chunks.Add((type, length));
            offset += 12 + length;
        }

        return chunks;
    }
}
