using System.Buffers.Binary;
using Nic.Format;

namespace Nic.Format.Tests;

public sealed class RobustnessTests
{
    [Fact]
    public void Every_truncation_is_reported_as_Truncated_at_the_incomplete_structure()
    {
        var bytes = NicSamples.Full.ToArray();
        var chunkStarts = ChunkStarts(bytes);

        for (var length = 0; length < bytes.Length; length++)
        {
            var e = NicAssert.Fails(NicFormatError.Truncated, bytes[..length]);
            var expected = length < 8 ? 0 : length < 10 ? 8 : chunkStarts.Last(start => start <= length);
            Assert.True(expected == e.Offset, $"prefix of {length} bytes: Truncated at {e.Offset}, expected {expected}");
        }
    }

    [Fact]
    public async Task Every_truncation_fails_the_same_way_through_a_stream()
    {
        var bytes = NicSamples.SpecExample.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            using var stream = new MemoryStream(bytes, 0, length);
            var e = await Assert.ThrowsAsync<NicFormatException>(async () => await NicFile.ReadAsync(stream));
            Assert.Equal(NicFormatError.Truncated, e.Error);
        }
    }

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void Every_single_byte_corruption_is_a_format_error_except_in_the_minor_version(byte mask)
    {
        var original = NicSamples.Full.ToArray();
        for (var position = 0; position < original.Length; position++)
        {
            var corrupt = (byte[])original.Clone();
            corrupt[position] ^= mask;
            if (position == 9)
            {
                NicAssert.Equal(NicSamples.Full, NicFile.Read(corrupt));
                continue;
            }

            try
            {
                NicFile.Read(corrupt);
                Assert.Fail($"flipping 0x{mask:X2} at byte {position} was not detected");
            }
            catch (NicFormatException)
            {
            }
        }
    }

    [Fact]
    public void Every_byte_value_in_every_header_position_gives_a_file_or_a_format_error()
    {
        var original = NicSamples.SpecExample.ToArray();
        var headEnd = 10 + 8 + 98;
        for (var position = 18; position < headEnd; position++)
        {
            for (var value = 0; value < 256; value++)
            {
                var corrupt = (byte[])original.Clone();
                corrupt[position] = (byte)value;
                FixChunkCrc(corrupt, 10);
                try
                {
                    NicFile.Read(corrupt);
                }
                catch (NicFormatException)
                {
                }
            }
        }
    }

    [Fact]
    public void Random_garbage_is_a_format_error()
    {
        var random = new Random(1234);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 10)
            {
                NicSamples.Preamble().CopyTo(bytes, 0);
            }

            Assert.Throws<NicFormatException>(() => NicFile.Read(bytes));
        }
    }

    private static void FixChunkCrc(byte[] bytes, int chunkOffset)
    {
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(chunkOffset));
        var crc = System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(chunkOffset + 4, 4 + length));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(chunkOffset + 8 + length), crc);
    }

    private static List<int> ChunkStarts(byte[] bytes)
    {
        var starts = new List<int>();
        for (var offset = 10; offset < bytes.Length;)
        {
            starts.Add(offset);
            offset += 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        }

        return starts;
    }
}
