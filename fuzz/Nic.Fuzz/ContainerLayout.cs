using System.Buffers.Binary;
using System.IO.Hashing;

namespace Nic.Fuzz;

/// <summary>
/// Finds the chunks of a <c>.nic</c> file well enough for the fuzzers (spec/nic-format.md §5): where each chunk's
/// length, type, payload and CRC are. It trusts nothing: the walk stops at the first chunk that does not fit.
/// </summary>
internal static class ContainerLayout
{
    /// <summary>Signature and version.</summary>
    public const int PreambleLength = 10;

    /// <summary>One chunk's position: the offset of its length field and its payload length.</summary>
    /// <param name="Offset">The offset of the chunk's length field.</param>
    /// <param name="Length">The payload length.</param>
    public readonly record struct Chunk(int Offset, int Length)
    {
        /// <summary>The offset of the payload.</summary>
        public int PayloadOffset => Offset + 8;

        /// <summary>The offset of the CRC.</summary>
        public int CrcOffset => Offset + 8 + Length;

        /// <summary>The offset just past the chunk.</summary>
        public int End => Offset + 12 + Length;
    }

    /// <summary>The chunks that lie wholly inside <paramref name="data"/>, in file order.</summary>
    public static List<Chunk> Chunks(ReadOnlySpan<byte> data)
    {
        var chunks = new List<Chunk>();
        int at = PreambleLength;
        while (at + 12 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
            if (length > (uint)(data.Length - at - 12))
            {
                break;
            }

            chunks.Add(new Chunk(at, (int)length));
            at += 12 + (int)length;
        }

        return chunks;
    }

    /// <summary>
    /// A copy of <paramref name="data"/> with the CRC of every whole chunk recomputed, so that a mutation inside a
    /// chunk reaches the code behind the checksum; the same bytes when every CRC was already right.
    /// </summary>
    public static byte[] RepairChecksums(byte[] data)
    {
        byte[]? copy = null;
        foreach (Chunk chunk in Chunks(data))
        {
            uint crc = Crc32.HashToUInt32(data.AsSpan(chunk.Offset + 4, 4 + chunk.Length));
            if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(chunk.CrcOffset)) != crc)
            {
                copy ??= (byte[])data.Clone();
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(chunk.CrcOffset), crc);
            }
        }

        return copy ?? data;
    }
}
