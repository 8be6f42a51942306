using System.Buffers;
using System.Buffers.Binary;
using Nic.Format;
using static Nic.Format.Tests.NicSamples;

namespace Nic.Format.Tests;

/// <summary>The framing parser on its own: prefixes, buffer segments and each framing error (spec/nic-format.md §3–§6).</summary>
public sealed class NicChunkParserTests
{
    private const long At = 1234;

    public static TheoryData<string, byte[]> Chunks { get; } = new()
    {
        { "HEAD", Chunk("HEAD", HeadPayload(SpecExampleHeader)) },
        { "ZSUB", Chunk("ZSUB", [1, 2, 3, 4, 5]) },
        { "YBND", Band(7, 0xA0, 0xA1, 0xA2) },
        { "DONE", Done() },
        { "qqqq", Chunk("qqqq", [9]) },
    };

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Every_prefix_of_a_chunk_needs_more_and_leaves_the_reader_where_it_was(string type, byte[] chunk)
    {
        for (var length = 0; length < chunk.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunk, 0, length));
            Assert.False(NicChunkParser.TryReadChunk(ref reader, At, int.MaxValue, out _), $"{type}: a prefix of {length} bytes");
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void A_whole_chunk_gives_its_frame_and_moves_the_reader_past_it(string type, byte[] chunk)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Concat(chunk, Done())));

        Assert.True(NicChunkParser.TryReadChunk(ref reader, At, int.MaxValue, out var frame));

        Assert.Equal(chunk.Length, reader.Consumed);
        Assert.Equal(new NicChunkType(type), frame.Type);
        Assert.Equal(At, frame.Offset);
        Assert.Equal(chunk.Length - 12, frame.Length);
        Assert.Equal(chunk.Length, frame.TotalLength);
        Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(chunk.Length - 4)), frame.Crc);
        Assert.Equal(chunk[8..^4], frame.Payload.ToArray());
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void A_chunk_split_across_buffer_segments_gives_the_same_frame_as_in_one_piece(string type, byte[] chunk)
    {
        var whole = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunk));
        Assert.True(NicChunkParser.TryReadChunk(ref whole, At, int.MaxValue, out var expected));

        var splits = Enumerable.Range(1, chunk.Length - 1).Select(at => new[] { chunk[..at], chunk[at..] })
            .Append([.. chunk.Select(b => new[] { b })]);
        foreach (var pieces in splits)
        {
            var reader = new SequenceReader<byte>(Segments(pieces));
            Assert.True(NicChunkParser.TryReadChunk(ref reader, At, int.MaxValue, out var frame), $"{type} in {pieces.Length} pieces");
            Assert.Equal(chunk.Length, reader.Consumed);
            Assert.Equal((expected.Type, expected.Offset, expected.Length, expected.Crc), (frame.Type, frame.Offset, frame.Length, frame.Crc));
            Assert.Equal(expected.Payload.ToArray(), frame.Payload.ToArray());
        }
    }

    [Fact]
    public void The_chunk_header_alone_gives_the_type_and_length_and_moves_to_the_payload()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Chunk("ZSUB", [1, 2, 3])));

        Assert.True(NicChunkParser.TryReadChunkHeader(ref reader, At, int.MaxValue, out var type, out var length));

        Assert.Equal(NicChunkType.ZSub, type);
        Assert.Equal(3, length);
        Assert.Equal(8, reader.Consumed);
    }

    [Fact]
    public void The_chunk_header_is_checked_as_soon_as_its_8_bytes_are_present()
    {
        Assert.Equal(NicFormatError.InvalidChunkType, HeaderError(Chunk("ZS1B", [1])[..8]).Error);
        Assert.Equal(NicFormatError.ChunkTooLarge, HeaderError(Chunk("ZSUB", [], length: 0x80000000)[..8]).Error);
        Assert.Equal(NicFormatError.ChunkTooLarge, HeaderError(Chunk("ZSUB", [], length: 101)[..8], maxChunkLength: 100).Error);
        Assert.Equal(NicFormatError.UnknownCriticalChunk, HeaderError(Chunk("QQQQ", [1])[..8]).Error);
        Assert.Equal(At, HeaderError(Chunk("QQQQ", [1])[..8]).Offset);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Chunk("ZSUB", [], length: 100)));
        Assert.True(NicChunkParser.TryReadChunkHeader(ref reader, At, maxChunkLength: 100, out _, out _));
    }

    [Fact]
    public void The_chunk_header_rules_are_checked_in_the_order_of_the_spec()
    {
        // Rule 1 (type bytes) before rule 2 (length) before rule 3 (unknown critical type).
        Assert.Equal(NicFormatError.InvalidChunkType, HeaderError(Chunk("Q1QQ", [], length: 0xFFFFFFFF)[..8]).Error);
        Assert.Equal(NicFormatError.ChunkTooLarge, HeaderError(Chunk("QQQQ", [], length: 0xFFFFFFFF)[..8]).Error);
    }

    [Fact]
    public void A_wrong_CRC_is_BadChecksum_at_the_chunk_once_the_chunk_is_whole()
    {
        var chunk = Chunk("ZSUB", [1, 2, 3], crc: 0x12345678);
        var prefix = new SequenceReader<byte>(new ReadOnlySequence<byte>(chunk, 0, chunk.Length - 1));
        Assert.False(NicChunkParser.TryReadChunk(ref prefix, At, int.MaxValue, out _));

        var e = Assert.Throws<NicFormatException>(() => ReadChunk(new ReadOnlySequence<byte>(chunk)));
        Assert.Equal((NicFormatError.BadChecksum, At), (e.Error, e.Offset));
        e = Assert.Throws<NicFormatException>(() => ReadChunk(Segments([chunk[..6], chunk[6..9], chunk[9..]])));
        Assert.Equal((NicFormatError.BadChecksum, At), (e.Error, e.Offset));
    }

    [Fact]
    public void The_type_is_peeked_without_judging_the_chunk_or_moving_the_reader()
    {
        Assert.Equal((false, (NicChunkType?)null), Peek(Chunk("ZSUB", [])[..7]));
        Assert.Equal((true, (NicChunkType?)NicChunkType.ZSub), Peek(Chunk("ZSUB", [], length: 0xFFFFFFFF)[..8]));
        Assert.Equal((true, (NicChunkType?)null), Peek(Chunk("ZS1B", [])[..8]));
        Assert.Equal((true, (NicChunkType?)new NicChunkType("QQQQ")), Peek(Chunk("QQQQ", [])));
    }

    [Fact]
    public void Every_prefix_of_the_preamble_needs_more_and_the_whole_one_gives_the_version()
    {
        var preamble = Concat(Preamble(minor: 7), Done());
        for (var length = 0; length < 10; length++)
        {
            var prefix = new SequenceReader<byte>(new ReadOnlySequence<byte>(preamble, 0, length));
            Assert.False(NicChunkParser.TryReadPreamble(ref prefix, out var none));
            Assert.Null(none);
            Assert.Equal(0, prefix.Consumed);
        }

        var reader = new SequenceReader<byte>(Segments([preamble[..3], preamble[3..9], preamble[9..]]));
        Assert.True(NicChunkParser.TryReadPreamble(ref reader, out var version));
        Assert.Equal(new Version(1, 7), version);
        Assert.Equal(10, reader.Consumed);
    }

    [Fact]
    public void A_wrong_signature_byte_is_BadSignature_at_0_as_soon_as_it_is_present()
    {
        for (var position = 0; position < 8; position++)
        {
            var bytes = Preamble();
            bytes[position] ^= 0x20;
            var e = Assert.Throws<NicFormatException>(() => ReadPreamble(bytes[..(position + 1)]));
            Assert.Equal((NicFormatError.BadSignature, 0L), (e.Error, e.Offset));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void A_major_version_other_than_1_is_UnsupportedVersion_at_8(byte major)
    {
        var e = Assert.Throws<NicFormatException>(() => ReadPreamble(Preamble(major: major)));
        Assert.Equal((NicFormatError.UnsupportedVersion, 8L), (e.Error, e.Offset));
    }

    private static NicFormatException HeaderError(byte[] bytes, int maxChunkLength = int.MaxValue)
    {
        var viaHeader = Assert.Throws<NicFormatException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            NicChunkParser.TryReadChunkHeader(ref reader, At, maxChunkLength, out _, out _);
        });
        var viaChunk = Assert.Throws<NicFormatException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            NicChunkParser.TryReadChunk(ref reader, At, maxChunkLength, out _);
        });
        Assert.Equal((viaHeader.Error, viaHeader.Offset), (viaChunk.Error, viaChunk.Offset));
        Assert.Equal(At, viaHeader.Offset);
        return viaHeader;
    }

    private static void ReadChunk(ReadOnlySequence<byte> bytes)
    {
        var reader = new SequenceReader<byte>(bytes);
        NicChunkParser.TryReadChunk(ref reader, At, int.MaxValue, out _);
    }

    private static void ReadPreamble(byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        NicChunkParser.TryReadPreamble(ref reader, out _);
    }

    private static (bool Present, NicChunkType? Type) Peek(byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        var present = NicChunkParser.TryPeekChunkType(reader, out var type);
        Assert.Equal(0, reader.Consumed);
        return (present, type);
    }

    /// <summary>The pieces as one sequence of that many buffer segments.</summary>
    private static ReadOnlySequence<byte> Segments(byte[][] pieces)
    {
        var first = new Segment(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
        {
            last = last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
