using System.Buffers.Binary;
using Nic.Codec.Entropy;

namespace Nic.Codec.BitsBack;

/// <summary>
/// MNIST digits as bytes and their binarization for bits-back coding (spec/nic-coding.md §13.2): the IDX image
/// files read without libtorch, and the stochastic binarization of the literature made reproducible by a seeded
/// generator.
/// </summary>
public static class BinarizedDigits
{
    /// <summary>Samples per digit, 28 × 28.</summary>
    public const int Pixels = 784;

    /// <summary>The seed of the binarized test digits of docs/bits-back.md.</summary>
    public const ulong DefaultSeed = 1;

    private const int IdxHeaderLength = 16;
    private const int IdxImagesMagic = 0x00000803; // unsigned bytes, 3 dimensions

    /// <summary>
    /// Reads an IDX image file (big-endian header: magic <c>0x00000803</c>, the count, 28 and 28, then one byte per
    /// sample). The header and the file's length are checked before anything is allocated.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The samples, 784 per digit, 0 (background) to 255 (ink).</returns>
    /// <exception cref="InvalidDataException">The header is not that of 28 × 28 unsigned-byte images, the count is 0, or the length disagrees with the header.</exception>
    public static byte[] ReadIdxImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[IdxHeaderLength];
        if (stream.Length < IdxHeaderLength)
        {
            throw new InvalidDataException($"{path} has {stream.Length} bytes, fewer than an IDX header's {IdxHeaderLength}");
        }

        stream.ReadExactly(header);
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        long count = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        uint rows = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        uint columns = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        if (magic != IdxImagesMagic)
        {
            throw new InvalidDataException($"{path} is not an IDX file of unsigned-byte images (magic 0x{magic:x8}, expected 0x{IdxImagesMagic:x8})");
        }

        if (rows != 28 || columns != 28)
        {
            throw new InvalidDataException($"{path} holds {rows} × {columns} images, not 28 × 28 digits");
        }

        if (count == 0 || stream.Length != IdxHeaderLength + (count * Pixels))
        {
            throw new InvalidDataException($"{path} has {stream.Length} bytes; its header announces {count} digits, which take {IdxHeaderLength + (count * Pixels)}");
        }

        if (count * Pixels > Array.MaxLength)
        {
            throw new InvalidDataException($"{path} holds {count} digits, more than one array can hold");
        }

        byte[] bytes = new byte[count * Pixels];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Stochastic binarization with a fixed generator (§13.2): sample i (in file order) becomes 1 when
    /// <c>u_i · 255 &lt; v_i</c>, with <c>u_i = (r_i >> 11) · 2^−53</c> and r_i the i-th output of SplitMix64 from
    /// <paramref name="seed"/> — each pixel is on with probability v/255, as in the bits-back literature, and the
    /// same seed always gives the same digits.
    /// </summary>
    /// <param name="samples">Samples 0..255.</param>
    /// <param name="seed">The generator's seed.</param>
    /// <returns>0 or 1 per sample.</returns>
    public static byte[] Binarize(ReadOnlySpan<byte> samples, ulong seed = DefaultSeed)
    {
        var bits = new byte[samples.Length];
        ulong state = seed;
        for (int i = 0; i < samples.Length; i++)
        {
            double u = (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53));
            bits[i] = u * 255 < samples[i] ? (byte)1 : (byte)0;
        }

        return bits;
    }
}
