using System.Buffers.Binary;
using Nic.Format;
using static Nic.Format.Tests.NicSamples;

namespace Nic.Format.Tests;

/// <summary>One hand-made container per error code (spec/nic-format.md §9).</summary>
public sealed class ErrorCodeTests
{
    private const int HeadChunk = 10;
    private const int HeadPayloadStart = 18;
    private static readonly int NameLength = SpecExampleHeader.Model.Name.Length;
    private static readonly byte[] Head = Chunk("HEAD", HeadPayload(SpecExampleHeader));
    private static readonly byte[] ZSub = Chunk("ZSUB", [1, 2, 3, 4, 5]);
    private static readonly int AfterHead = 10 + Head.Length;

    [Fact]
    public void Truncated()
    {
        var e = NicAssert.Fails(NicFormatError.Truncated, Concat(Preamble(), Head, ZSub, Band(0, 1)));
        Assert.Equal(AfterHead + ZSub.Length + Band(0, 1).Length, e.Offset);
        Assert.Equal(0, NicAssert.Fails(NicFormatError.Truncated, Preamble()[..5]).Offset);
        Assert.Equal(8, NicAssert.Fails(NicFormatError.Truncated, Preamble()[..9]).Offset);
    }

    [Fact]
    public void BadSignature()
    {
        var bytes = SpecExample.ToArray();
        bytes[3] = (byte)'X';
        Assert.Equal(0, NicAssert.Fails(NicFormatError.BadSignature, bytes).Offset);
        NicAssert.Fails(NicFormatError.BadSignature, "hello, world"u8.ToArray());
        NicAssert.Fails(NicFormatError.BadSignature, [0x0B, (byte)'N']);

        // CR LF converted to LF, as a text-mode transfer would.
        NicAssert.Fails(NicFormatError.BadSignature, Concat([0x8B, (byte)'N', (byte)'I', (byte)'C', 0x0A, 0x1A, 0x0A, 1, 0], Head));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    [InlineData(255)]
    public void UnsupportedVersion(byte major)
    {
        var e = NicAssert.Fails(NicFormatError.UnsupportedVersion, Concat(Preamble(major: major), Head, ZSub, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void A_higher_minor_version_is_read()
    {
        var file = NicFile.Read(Concat(Preamble(minor: 7), Head, ZSub, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(SpecExampleHeader, file.Header);
    }

    [Fact]
    public void BadChecksum()
    {
        var e = NicAssert.Fails(NicFormatError.BadChecksum, Concat(Preamble(), Chunk("HEAD", HeadPayload(SpecExampleHeader), crc: 0x12345678)));
        Assert.Equal(HeadChunk, e.Offset);

        // An unknown ancillary chunk is skipped, but its CRC is still checked.
        NicAssert.Fails(NicFormatError.BadChecksum, Concat(Preamble(), Head, Chunk("qqqq", [1, 2], crc: 0)));
    }

    [Fact]
    public void InvalidChunkType()
    {
        var e = NicAssert.Fails(NicFormatError.InvalidChunkType, Concat(Preamble(), Head, Chunk("ZS1B", [1])));
        Assert.Equal(AfterHead, e.Offset);
        NicAssert.Fails(NicFormatError.InvalidChunkType, Concat(Preamble(), Chunk("HE D", HeadPayload(SpecExampleHeader))));
    }

    [Fact]
    public void UnknownCriticalChunk()
    {
        var e = NicAssert.Fails(NicFormatError.UnknownCriticalChunk, Concat(Preamble(), Head, Chunk("QQQQ", [1, 2, 3]), ZSub, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(AfterHead, e.Offset);
    }

    [Fact]
    public void Unknown_ancillary_chunks_are_skipped_anywhere_between_HEAD_and_DONE()
    {
        var q = Chunk("qqqq", [9, 9, 9]);
        var file = NicFile.Read(Concat(Preamble(), Head, q, Chunk("exif", [1]), q, ZSub, q, Band(0, 1), q, Band(1, 2), Chunk("zZzZ", []), Done()));
        Assert.Equal([1], file.Metadata.Exif);
        Assert.Equal([[1], [2]], file.Bands);
    }

    [Fact]
    public void ChunkOutOfOrder()
    {
        var e = NicAssert.Fails(NicFormatError.ChunkOutOfOrder, Concat(Preamble(), Head, ZSub, Chunk("iccp", [1]), Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(AfterHead + ZSub.Length, e.Offset);
        NicAssert.Fails(NicFormatError.ChunkOutOfOrder, Concat(Preamble(), Head, ZSub, Band(0, 1), Chunk("xmpp", [1]), Band(1, 2), Done()));
    }

    [Fact]
    public void DuplicateChunk()
    {
        var e = NicAssert.Fails(NicFormatError.DuplicateChunk, Concat(Preamble(), Head, Head, ZSub, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(AfterHead, e.Offset);
        NicAssert.Fails(NicFormatError.DuplicateChunk, Concat(Preamble(), Head, Chunk("exif", [1]), Chunk("exif", [1]), ZSub));
        NicAssert.Fails(NicFormatError.DuplicateChunk, Concat(Preamble(), Head, ZSub, ZSub, Band(0, 1), Band(1, 2), Done()));
        NicAssert.Fails(NicFormatError.DuplicateChunk, Concat(Preamble(), Head, ZSub, Band(0, 1), ZSub, Band(1, 2), Done()));
    }

    [Fact]
    public void MissingChunk()
    {
        var e = NicAssert.Fails(NicFormatError.MissingChunk, Concat(Preamble(), Head, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(AfterHead, e.Offset);
        Assert.Equal(10, NicAssert.Fails(NicFormatError.MissingChunk, Concat(Preamble(), ZSub, Head)).Offset);
        Assert.Equal(10, NicAssert.Fails(NicFormatError.MissingChunk, Concat(Preamble(), Chunk("qqqq", []), Head)).Offset);
        NicAssert.Fails(NicFormatError.MissingChunk, Concat(Preamble(), Head, ZSub, Band(0, 1), Done()));
        NicAssert.Fails(NicFormatError.MissingChunk, Concat(Preamble(), Head, Done()));
    }

    [Fact]
    public void InvalidChunkLength()
    {
        var all = Concat(Preamble(), Head, ZSub, Band(0, 1), Band(1, 2));
        var e = NicAssert.Fails(NicFormatError.InvalidChunkLength, Concat(all, Chunk("DONE", [0])));
        Assert.Equal(all.Length, e.Offset);
        NicAssert.Fails(NicFormatError.InvalidChunkLength, Concat(Preamble(), Head, ZSub, Chunk("YBND", [0, 0, 0])));
    }

    [Fact]
    public void ChunkTooLarge()
    {
        var e = NicAssert.Fails(NicFormatError.ChunkTooLarge, Concat(Preamble(), Head, Chunk("ZSUB", [], length: 0xFFFFFFFF)));
        Assert.Equal(AfterHead, e.Offset);
        NicAssert.Fails(NicFormatError.ChunkTooLarge, Concat(Preamble(), Head, Chunk("qqqq", [], length: 0x80000000)));
        NicAssert.Fails(NicFormatError.ChunkTooLarge, SpecExample.ToArray(), new NicReaderOptions { MaxChunkLength = 50 });
    }

    [Fact]
    public void InvalidHeader()
    {
        AssertHeaderField(NicFormatError.InvalidHeader, 14, p => BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(14), float.NaN));
        AssertHeaderField(NicFormatError.InvalidHeader, 14, p => BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(14), float.PositiveInfinity));
        AssertHeaderField(NicFormatError.InvalidHeader, 76 + NameLength, p => p[76 + NameLength] = 1);
        AssertHeaderField(NicFormatError.InvalidHeader, 19, p => p[20] = (byte)'M');
        AssertHeaderField(NicFormatError.InvalidHeader, 19, p => p[19] = (byte)'/');
        AssertHeaderField(NicFormatError.InvalidHeader, 18, p => p[18] = 0);
        AssertHeaderField(NicFormatError.InvalidHeader, 18, p => p[18] = 65);
        AssertHeaderField(NicFormatError.InvalidHeader, 0, p => BinaryPrimitives.WriteUInt32LittleEndian(p, 0));
        AssertHeaderField(NicFormatError.InvalidHeader, 9, p => p[9] = 1);
        AssertHeaderField(NicFormatError.InvalidHeader, 10, p => BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(10), 48));
        AssertHeaderField(NicFormatError.InvalidHeader, 10, p => BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(10), 2048));
        AssertHeaderField(NicFormatError.InvalidHeader, 53 + NameLength, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(53 + NameLength), 0));
        AssertHeaderField(NicFormatError.InvalidHeader, 61 + NameLength, p => BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(61 + NameLength), 0));
        AssertHeaderField(NicFormatError.InvalidHeader, 71 + NameLength, p => p[71 + NameLength] = 1);
        AssertHeaderField(NicFormatError.InvalidHeader, 72 + NameLength, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(72 + NameLength), 0));
        AssertHeaderField(NicFormatError.InvalidHeader, 72 + NameLength, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(72 + NameLength), 5));

        var payload = HeadPayload(SpecExampleHeader);
        Assert.Equal(HeadPayloadStart, NicAssert.Fails(NicFormatError.InvalidHeader, ExampleWithHead(payload[..^1])).Offset);
        NicAssert.Fails(NicFormatError.InvalidHeader, ExampleWithHead(payload[..10]));
        NicAssert.Fails(NicFormatError.InvalidHeader, ExampleWithHead([]));
    }

    [Fact]
    public void A_longer_HEAD_is_rejected_in_the_minor_versions_this_reader_knows_and_its_extra_bytes_ignored_in_later_ones()
    {
        // Version 1.1 adds chunk types but no HEAD field, so minors 0 and 1 have the 1.0 HEAD size exactly (spec §4).
        var longer = Concat(HeadPayload(SpecExampleHeader), [0xAB, 0xCD, 0xEF]);
        NicAssert.Fails(NicFormatError.InvalidHeader, ExampleWithHead(longer, minor: 0));
        NicAssert.Fails(NicFormatError.InvalidHeader, ExampleWithHead(longer, minor: 1));
        Assert.Equal(SpecExampleHeader, NicFile.Read(ExampleWithHead(longer, minor: 2)).Header);
    }

    [Fact]
    public void ImageTooLarge()
    {
        AssertHeaderField(NicFormatError.ImageTooLarge, 0, p => BinaryPrimitives.WriteUInt32LittleEndian(p, 65536));
        AssertHeaderField(NicFormatError.ImageTooLarge, 4, p => BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), uint.MaxValue));
        AssertHeaderField(NicFormatError.ImageTooLarge, 0, p =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p, 20000);
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), 20000);
        });

        var max = new NicReaderOptions { MaxWidth = NicConstants.MaxImageDimension, MaxPixels = long.MaxValue };
        AssertHeaderField(NicFormatError.ImageTooLarge, 0, p => BinaryPrimitives.WriteUInt32LittleEndian(p, (1 << 24) + 1), max);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NicReaderOptions { MaxWidth = (1 << 24) + 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NicReaderOptions { MaxChunkLength = 0 });
    }

    [Fact]
    public void LimitExceeded()
    {
        AssertHeaderField(NicFormatError.LimitExceeded, 61 + NameLength, p =>
        {
            BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(61 + NameLength), 65535);
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(63 + NameLength), uint.MaxValue);
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(67 + NameLength), uint.MaxValue);
        });
        AssertHeaderField(NicFormatError.LimitExceeded, 51 + NameLength, p =>
        {
            BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(51 + NameLength), 1024);
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(53 + NameLength), 1 << 10);
            BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(57 + NameLength), 1 << 10);
        });
        AssertHeaderField(NicFormatError.LimitExceeded, 72 + NameLength, p => { }, new NicReaderOptions { MaxBands = 1 });
        NicAssert.Fails(
            NicFormatError.LimitExceeded,
            Concat(Preamble(), Head, Chunk("xmpp", new byte[101]), ZSub),
            new NicReaderOptions { MaxMetadataLength = 100 });
    }

    [Fact]
    public void UnsupportedChannelLayout()
    {
        for (var layout = 0; layout < 256; layout++)
        {
            if (layout != 1)
            {
                var captured = (byte)layout;
                AssertHeaderField(NicFormatError.UnsupportedChannelLayout, 8, p => p[8] = captured);
            }
        }
    }

    [Fact]
    public void BandMismatch()
    {
        var e = NicAssert.Fails(NicFormatError.BandMismatch, Concat(Preamble(), Head, ZSub, Band(1, 1), Band(0, 2), Done()));
        Assert.Equal(AfterHead + ZSub.Length, e.Offset);
        var tooMany = Concat(Preamble(), Head, ZSub, Band(0, 1), Band(1, 2));
        Assert.Equal(tooMany.Length, NicAssert.Fails(NicFormatError.BandMismatch, Concat(tooMany, Band(2, 3), Done())).Offset);
    }

    [Fact]
    public void TrailingData()
    {
        var bytes = SpecExample.ToArray();
        Assert.Equal(bytes.Length, NicAssert.Fails(NicFormatError.TrailingData, Concat(bytes, [0])).Offset);
        NicAssert.Fails(NicFormatError.TrailingData, Concat(bytes, bytes));
    }

    [Fact]
    public void UnexpectedChunk()
    {
        var header = SpecExampleHeader with { ZShape = NicLatentShape.Empty };
        var e = NicAssert.Fails(NicFormatError.UnexpectedChunk, Concat(Preamble(), Chunk("HEAD", HeadPayload(header)), ZSub, Band(0, 1), Band(1, 2), Done()));
        Assert.Equal(10 + 12 + HeadPayload(header).Length, e.Offset);
    }

    [Fact]
    public void Every_error_code_has_a_stable_value_and_name()
    {
        string[] names =
        [
            "Truncated", "BadSignature", "UnsupportedVersion", "BadChecksum", "InvalidChunkType", "UnknownCriticalChunk",
            "ChunkOutOfOrder", "DuplicateChunk", "MissingChunk", "InvalidChunkLength", "ChunkTooLarge", "InvalidHeader",
            "ImageTooLarge", "LimitExceeded", "UnsupportedChannelLayout", "BandMismatch", "TrailingData", "UnexpectedChunk",
            "UnsupportedCompression", "CompressedDataCorrupt",
        ];
        Assert.Equal(names, Enum.GetValues<NicFormatError>().Select(e => e.ToString()));
        Assert.Equal(Enumerable.Range(1, names.Length), Enum.GetValues<NicFormatError>().Select(e => (int)e));
    }

    [Fact]
    public void The_message_names_the_code_and_the_offset()
    {
        var e = new NicFormatException(NicFormatError.BadChecksum, 1234, "details");
        Assert.Equal("BadChecksum at byte 1234: details", e.Message);
        Assert.IsAssignableFrom<NicException>(e);
    }

    private static void AssertHeaderField(NicFormatError expected, int fieldOffset, Action<byte[]> patch, NicReaderOptions? options = null)
    {
        var payload = HeadPayload(SpecExampleHeader);
        patch(payload);
        var e = NicAssert.Fails(expected, ExampleWithHead(payload), options);
        Assert.True(
            HeadPayloadStart + fieldOffset == e.Offset,
            $"{expected}: expected at byte {HeadPayloadStart + fieldOffset}, reported at {e.Offset} ({e.Message})");
    }
}
