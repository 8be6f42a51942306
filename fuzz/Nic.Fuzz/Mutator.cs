using System.Buffers.Binary;

namespace Nic.Fuzz;

/// <summary>
/// The in-process fuzzer's mutations, all drawn from one seeded <see cref="Random"/> so that a run is repeatable:
/// bit flips, byte sets to interesting values, random bytes, inserts, deletions, duplications, splices with another
/// input, 32-bit arithmetic, and structure-aware ones on <c>.nic</c> files: a chunk's length field set to an
/// interesting value or nudged, a chunk dropped, duplicated or swapped with its neighbour, and a HEAD field changed.
/// </summary>
internal sealed class Mutator
{
    /// <summary>The largest input a mutation produces.</summary>
    public const int MaxLength = 256 << 10;

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF, 0x10, 0x40];

    private static readonly uint[] InterestingWords =
    [
        0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 255, 256, 1023, 1024, 4096, 65535, 65536, 0x7FFF, 0x8000,
        (1u << 24) + 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
    ];

    private readonly Random _random;

    /// <summary>Creates a mutator.</summary>
    /// <param name="seed">The seed of every choice.</param>
    public Mutator(int seed) => _random = new Random(seed);

    /// <summary>The random source, for the caller's own choices in the same sequence.</summary>
    public Random Random => _random;

    /// <summary>A mutated copy of <paramref name="input"/>: one to four stacked mutations.</summary>
    /// <param name="input">The input to start from.</param>
    /// <param name="other">Another input, for splices.</param>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        int rounds = 1 + _random.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            MutateOnce(data, other);
        }

        if (data.Count > MaxLength)
        {
            data.RemoveRange(MaxLength, data.Count - MaxLength);
        }

        return [.. data];
    }

    private void MutateOnce(List<byte> data, byte[] other)
    {
        // Structure-aware mutations need a container; on anything else they fall through to the byte-level ones.
        if (_random.Next(3) == 0 && MutateStructure(data))
        {
            return;
        }

        switch (data.Count == 0 ? 4 : _random.Next(10))
        {
            case 0:
                data[_random.Next(data.Count)] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                data[_random.Next(data.Count)] = InterestingBytes[_random.Next(InterestingBytes.Length)];
                break;
            case 2:
                data[_random.Next(data.Count)] = (byte)_random.Next(256);
                break;
            case 3:
            {
                int at = _random.Next(data.Count);
                int n = Math.Min(data.Count - at, 1 + _random.Next(Math.Min(data.Count, 64)));
                data.RemoveRange(at, n);
                break;
            }

            case 4:
            {
                int at = _random.Next(data.Count + 1);
                var bytes = new byte[1 + _random.Next(16)];
                _random.NextBytes(bytes);
                data.InsertRange(at, bytes);
                break;
            }

            case 5:
            {
                // Duplicate a block in place.
                int at = _random.Next(data.Count);
                int n = Math.Min(data.Count - at, 1 + _random.Next(256));
                data.InsertRange(_random.Next(data.Count + 1), data.GetRange(at, n));
                break;
            }

            case 6:
            {
                // Splice: the head of this input, the tail of the other.
                if (other.Length > 0)
                {
                    int cut = _random.Next(data.Count + 1);
                    int from = _random.Next(other.Length);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.AsSpan(from).ToArray());
                }

                break;
            }

            case 7:
            {
                // Truncate.
                int cut = _random.Next(data.Count);
                data.RemoveRange(cut, data.Count - cut);
                break;
            }

            case 8:
            {
                // 32-bit arithmetic on a little-endian word anywhere.
                if (data.Count >= 4)
                {
                    int at = _random.Next(data.Count - 3);
                    uint value = Read32(data, at);
                    Write32(data, at, _random.Next(2) == 0 ? value + (uint)(_random.Next(35) - 17) : InterestingWords[_random.Next(InterestingWords.Length)]);
                }

                break;
            }

            default:
            {
                // Overwrite a block with a block of the other input.
                if (other.Length > 0)
                {
                    int from = _random.Next(other.Length);
                    int n = Math.Min(other.Length - from, 1 + _random.Next(64));
                    int at = _random.Next(data.Count);
                    for (int i = 0; i < n && at + i < data.Count; i++)
                    {
                        data[at + i] = other[from + i];
                    }
                }

                break;
            }
        }
    }

    private bool MutateStructure(List<byte> data)
    {
        byte[] bytes = [.. data];
        List<ContainerLayout.Chunk> chunks = ContainerLayout.Chunks(bytes);
        if (chunks.Count == 0)
        {
            return false;
        }

        ContainerLayout.Chunk chunk = chunks[_random.Next(chunks.Count)];
        switch (_random.Next(6))
        {
            case 0:
                Write32(data, chunk.Offset, InterestingWords[_random.Next(InterestingWords.Length)]);
                break;
            case 1:
                Write32(data, chunk.Offset, (uint)(chunk.Length + _random.Next(-8, 9)));
                break;
            case 2:
                data.RemoveRange(chunk.Offset, chunk.End - chunk.Offset);
                break;
            case 3:
                data.InsertRange(_random.Next(2) == 0 ? chunk.Offset : chunk.End, bytes.AsSpan(chunk.Offset, chunk.End - chunk.Offset).ToArray());
                break;
            case 4:
            {
                int index = chunks.IndexOf(chunk);
                if (index + 1 >= chunks.Count)
                {
                    return false;
                }

                ContainerLayout.Chunk next = chunks[index + 1];
                byte[] swapped = [.. bytes.AsSpan(next.Offset, next.End - next.Offset), .. bytes.AsSpan(chunk.Offset, chunk.End - chunk.Offset)];
                data.RemoveRange(chunk.Offset, next.End - chunk.Offset);
                data.InsertRange(chunk.Offset, swapped);
                break;
            }

            default:
            {
                // A field of the payload: a byte, a 16-bit or a 32-bit value, set or nudged.
                if (chunk.Length == 0)
                {
                    return false;
                }

                int at = chunk.PayloadOffset + _random.Next(chunk.Length);
                int width = _random.Next(3);
                if (width == 2 && at + 4 <= chunk.CrcOffset)
                {
                    Write32(data, at, _random.Next(2) == 0 ? Read32(data, at) + (uint)(_random.Next(9) - 4) : InterestingWords[_random.Next(InterestingWords.Length)]);
                }
                else if (width == 1 && at + 2 <= chunk.CrcOffset)
                {
                    uint value = _random.Next(2) == 0 ? (uint)((data[at] | (data[at + 1] << 8)) + _random.Next(9) - 4) : InterestingWords[_random.Next(InterestingWords.Length)];
                    data[at] = (byte)value;
                    data[at + 1] = (byte)(value >> 8);
                }
                else
                {
                    data[at] = _random.Next(2) == 0 ? (byte)(data[at] + _random.Next(5) - 2) : InterestingBytes[_random.Next(InterestingBytes.Length)];
                }

                break;
            }
        }

        return true;
    }

    private static uint Read32(List<byte> data, int at)
    {
        Span<byte> word = [data[at], data[at + 1], data[at + 2], data[at + 3]];
        return BinaryPrimitives.ReadUInt32LittleEndian(word);
    }

    private static void Write32(List<byte> data, int at, uint value)
    {
        for (int i = 0; i < 4; i++)
        {
            data[at + i] = (byte)(value >> (8 * i));
        }
    }
}
