using System.Buffers;
using Nic.Format;
using static Nic.Format.Tests.NicSamples;

namespace Nic.Format.Tests;

/// <summary>
/// The order rules on their own (spec/nic-format.md §6 rules 4, 5 and the band index of 7). A sequence is written as
/// chunk types separated by spaces: <c>YBND1</c> is a band with index 1, <c>YBND-</c> a band of 3 bytes, <c>DONE+</c> a
/// DONE with a payload byte, <c>iccp!</c> a metadata chunk over the limit of 100 bytes. Chunk <c>i</c> is at offset
/// 100 × <c>i</c>. The header has a z latent and 2 bands, or (<c>noZ</c>) no z latent.
/// </summary>
public sealed class NicChunkOrderTests
{
    private const int MaxMetadataLength = 100;
    private static readonly NicHeader WithZ = SpecExampleHeader;
    private static readonly NicHeader NoZ = SpecExampleHeader with { ZShape = NicLatentShape.Empty };

    [Theory]
    [InlineData("HEAD iccp exif xmpp qqqq ZSUB qqqq YBND0 YBND1 qqqq DONE", false)]
    [InlineData("HEAD ZSUB YBND0 YBND1 DONE", false)]
    [InlineData("HEAD xmpp YBND0 YBND1 DONE", true)]
    [InlineData("HEAD YBND0 YBND1 DONE", true)]
    public void A_sequence_in_order_is_accepted(string sequence, bool noZ)
    {
        var order = Play(sequence, noZ);

        Assert.True(order.DoneRead);
        Assert.True(order.SubstreamStarted);
        Assert.Equal(2, order.BandsRead);
        Assert.Equal(!noZ, order.ZSeen);
        Assert.Same(noZ ? NoZ : WithZ, order.Header);
    }

    [Theory]
    [InlineData("ZSUB HEAD", false, NicFormatError.MissingChunk, 0)]
    [InlineData("qqqq HEAD", false, NicFormatError.MissingChunk, 0)]
    [InlineData("HEAD HEAD", false, NicFormatError.DuplicateChunk, 1)]
    [InlineData("HEAD iccp exif iccp", false, NicFormatError.DuplicateChunk, 3)]
    [InlineData("HEAD exif exif", false, NicFormatError.DuplicateChunk, 2)]
    [InlineData("HEAD xmpp qqqq xmpp", false, NicFormatError.DuplicateChunk, 3)]
    [InlineData("HEAD ZSUB ZSUB", false, NicFormatError.DuplicateChunk, 2)]
    [InlineData("HEAD ZSUB YBND0 ZSUB", false, NicFormatError.DuplicateChunk, 3)]
    [InlineData("HEAD ZSUB iccp", false, NicFormatError.ChunkOutOfOrder, 2)]
    [InlineData("HEAD ZSUB YBND0 xmpp", false, NicFormatError.ChunkOutOfOrder, 3)]
    [InlineData("HEAD YBND0 exif", true, NicFormatError.ChunkOutOfOrder, 2)]
    [InlineData("HEAD ZSUB", true, NicFormatError.UnexpectedChunk, 1)]
    [InlineData("HEAD YBND0", false, NicFormatError.MissingChunk, 1)]
    [InlineData("HEAD iccp DONE", false, NicFormatError.MissingChunk, 2)]
    [InlineData("HEAD ZSUB YBND0 YBND1 YBND2", false, NicFormatError.BandMismatch, 4)]
    [InlineData("HEAD ZSUB YBND0 DONE", false, NicFormatError.MissingChunk, 3)]
    [InlineData("HEAD DONE", true, NicFormatError.MissingChunk, 1)]
    [InlineData("HEAD ZSUB YBND0 YBND1 DONE+", false, NicFormatError.InvalidChunkLength, 4)]
    [InlineData("HEAD ZSUB YBND-", false, NicFormatError.InvalidChunkLength, 2)]
    [InlineData("HEAD iccp!", false, NicFormatError.LimitExceeded, 1)]
    [InlineData("HEAD exif xmpp!", true, NicFormatError.LimitExceeded, 2)]
    [InlineData("HEAD ZSUB YBND1", false, NicFormatError.BandMismatch, 2)]
    [InlineData("HEAD YBND0 YBND0", true, NicFormatError.BandMismatch, 2)]
    public void A_chunk_out_of_order_is_rejected_with_its_code_at_its_offset(string sequence, bool noZ, NicFormatError expected, int index)
    {
        var e = Assert.Throws<NicFormatException>(() => Play(sequence, noZ));

        Assert.Equal((expected, 100L * index), (e.Error, e.Offset));
    }

    [Theory]
    [InlineData("HEAD ZSUB YBND0 DONE+", NicFormatError.MissingChunk)]
    [InlineData("HEAD YBND-", NicFormatError.MissingChunk)]
    [InlineData("HEAD ZSUB YBND0 YBND1 YBND-", NicFormatError.BandMismatch)]
    [InlineData("HEAD ZSUB iccp!", NicFormatError.ChunkOutOfOrder)]
    [InlineData("HEAD iccp iccp!", NicFormatError.DuplicateChunk)]
    public void The_order_rules_come_before_the_length_rules(string sequence, NicFormatError expected)
    {
        Assert.Equal(expected, Assert.Throws<NicFormatException>(() => Play(sequence, noZ: false)).Error);
    }

    [Fact]
    public void Checking_a_chunk_changes_nothing_until_it_is_accepted()
    {
        var order = Play("HEAD iccp", noZ: false);

        order.CheckNext(NicChunkType.ZSub, 200, 5);
        order.CheckNext(NicChunkType.ZSub, 200, 5);
        Assert.Throws<NicFormatException>(() => order.CheckNext(NicChunkType.YBnd, 200, 5));
        Assert.False(order.SubstreamStarted);
        order.CheckNext(NicChunkType.Exif, 200, 5);

        order.Accept(Frame("ZSUB", 200));
        Assert.True(order.ZSeen);
        Assert.True(order.SubstreamStarted);
        Assert.Equal(0, order.BandsRead);
        order.CheckNext(NicChunkType.YBnd, 300, 5);
    }

    [Fact]
    public void Substream_chunks_are_ZSUB_YBND_and_DONE()
    {
        Assert.Equal(
            ["ZSUB", "YBND", "DONE"],
            new[] { "HEAD", "iccp", "exif", "xmpp", "ZSUB", "YBND", "DONE", "qqqq" }.Where(t => NicChunkOrder.IsSubstreamChunk(new NicChunkType(t))));
    }

    /// <summary>Checks and accepts each chunk of the sequence in turn.</summary>
    private static NicChunkOrder Play(string sequence, bool noZ)
    {
        var order = new NicChunkOrder(MaxMetadataLength);
        var offset = 0L;
        foreach (var name in sequence.Split(' '))
        {
            var frame = Frame(name, offset);
            order.CheckNext(frame.Type, frame.Offset, frame.Length);
            if (frame.Type == NicChunkType.Head)
            {
                order.AcceptHead(noZ ? NoZ : WithZ);
            }
            else
            {
                order.Accept(frame);
            }

            offset += 100;
        }

        return order;
    }

    private static NicChunkFrame Frame(string name, long offset)
    {
        byte[] payload = name[4..] switch
        {
            "" when name == "DONE" => [],
            "" => [1],
            "+" => [1],
            "-" => [0, 0, 0],
            "!" => new byte[MaxMetadataLength + 1],
            var index => [.. BitConverter.GetBytes(uint.Parse(index)), 0xAB],
        };
        return new NicChunkFrame(new NicChunkType(name[..4]), offset, payload.Length, 0, new ReadOnlySequence<byte>(payload));
    }
}
