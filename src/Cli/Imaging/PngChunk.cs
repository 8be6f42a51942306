using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nic.Cli.Imaging;

/// <summary>One chunk of a PNG file: its type and where its data lies in the file.</summary>
/// <param name="Type">The four type letters as a big-endian value (<see cref="PngChunkTypes"/>).</param>
/// <param name="DataOffset">The file offset of the chunk data.</param>
/// <param name="Length">The length of the chunk data.</param>
internal readonly record struct PngChunk(uint Type, int DataOffset, int Length)
{
    /// <summary>The length of a chunk's length and type fields.</summary>
    public const int HeaderLength = 8;

    /// <summary>The length of a chunk's CRC field.</summary>
    public const int CrcLength = 4;

    /// <summary>Whether the chunk is critical (its first letter is upper case): a decoder must understand it.</summary>
    public bool IsCritical => (Type & 0x20000000) == 0;

    /// <summary>The four type letters, e.g. <c>IDAT</c>; other bytes are shown as <c>?</c>.</summary>
    public string TypeName => string.Create(4, Type, static (letters, type) =>
    {
        for (int i = 0; i < 4; i++)
        {
            char letter = (char)((type >> (24 - (8 * i))) & 0xFF);
            letters[i] = char.IsAsciiLetter(letter) ? letter : '?';
        }
    });

    /// <summary>The chunk data within <paramref name="file"/>.</summary>
    public ReadOnlySpan<byte> Data(ReadOnlySpan<byte> file) => file.Slice(DataOffset, Length);

    /// <summary>Whether the stored CRC matches the CRC-32 of the type and data.</summary>
    public bool CrcMatches(ReadOnlySpan<byte> file) =>
        Crc32.HashToUInt32(file.Slice(DataOffset - 4, Length + 4)) == BinaryPrimitives.ReadUInt32BigEndian(file.Slice(DataOffset + Length, CrcLength));

    /// <summary>
    /// The chunks of a PNG file in order, up to and including <c>IEND</c>. The list stops early, without an error, at
    /// a chunk that does not fit in the file; CRCs are not checked here (see <see cref="CrcMatches"/>).
    /// </summary>
    public static List<PngChunk> ReadAll(ReadOnlySpan<byte> file)
    {
        var chunks = new List<PngChunk>();
        if (!file.StartsWith(ImageFileSignatures.Png))
        {
            return chunks;
        }

        int offset = ImageFileSignatures.Png.Length;
        while (file.Length - offset >= HeaderLength + CrcLength)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.Slice(offset, 4));
            if (length > (uint)(file.Length - offset - HeaderLength - CrcLength))
            {
                break;
            }

            uint type = BinaryPrimitives.ReadUInt32BigEndian(file.Slice(offset + 4, 4));
            chunks.Add(new PngChunk(type, offset + HeaderLength, (int)length));
            if (type == PngChunkTypes.Iend)
            {
                break;
            }

            offset += HeaderLength + (int)length + CrcLength;
        }

        return chunks;
    }
}
