using System.Buffers.Binary;

namespace Nic.Cli.Imaging;

/// <summary>The fields of a PNG <c>IHDR</c> chunk that decide how much memory decoding takes.</summary>
/// <param name="Width">The declared width (up to 2^32 − 1 as stored).</param>
/// <param name="Height">The declared height.</param>
/// <param name="BitDepth">Bits per sample (or per palette index).</param>
/// <param name="ColorType">0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.</param>
/// <param name="Interlaced">Whether the image is Adam7-interlaced.</param>
internal readonly record struct PngHeader(long Width, long Height, int BitDepth, int ColorType, bool Interlaced)
{
    private const int IhdrLength = 13;

    /// <summary>The <c>IHDR</c> of <paramref name="file"/>, or null when the file does not start with the signature and an <c>IHDR</c> chunk.</summary>
    public static PngHeader? Read(ReadOnlySpan<byte> file)
    {
        int signature = ImageFileSignatures.Png.Length;
        if (!file.StartsWith(ImageFileSignatures.Png) || file.Length < signature + PngChunk.HeaderLength + IhdrLength
            || BinaryPrimitives.ReadUInt32BigEndian(file.Slice(signature, 4)) != IhdrLength
            || BinaryPrimitives.ReadUInt32BigEndian(file.Slice(signature + 4, 4)) != PngChunkTypes.Ihdr)
        {
            return null;
        }

        ReadOnlySpan<byte> data = file.Slice(signature + PngChunk.HeaderLength, IhdrLength);
        return new PngHeader(
            BinaryPrimitives.ReadUInt32BigEndian(data),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            data[8],
            data[9],
            data[12] != 0);
    }

    /// <summary>Samples per pixel for the colour type; 0 for an invalid colour type or bit depth.</summary>
    public int Channels => (ColorType, BitDepth) switch
    {
        (0, 1 or 2 or 4 or 8 or 16) => 1,
        (2, 8 or 16) => 3,
        (3, 1 or 2 or 4 or 8) => 1,
        (4, 8 or 16) => 2,
        (6, 8 or 16) => 4,
        _ => 0,
    };

    /// <summary>
    /// The length of the image data once inflated: each row of each interlace pass with its filter byte. Meaningful
    /// only for a valid colour type and bit depth and a size already checked against the limits.
    /// </summary>
    public long InflatedDataLength()
    {
        int bitsPerPixel = Channels * BitDepth;
        if (!Interlaced)
        {
            return PassLength(Width, Height, bitsPerPixel);
        }

        ReadOnlySpan<int> passes = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
        long total = 0;
        for (int p = 0; p < passes.Length; p += 4)
        {
            long passWidth = (Width - passes[p] + passes[p + 2] - 1) / passes[p + 2];
            long passHeight = (Height - passes[p + 1] + passes[p + 3] - 1) / passes[p + 3];
            total += PassLength(passWidth, passHeight, bitsPerPixel);
        }

        return total;
    }

    private static long PassLength(long width, long height, int bitsPerPixel) =>
        width <= 0 || height <= 0 ? 0 : height * (1 + (((width * bitsPerPixel) + 7) / 8));
}
