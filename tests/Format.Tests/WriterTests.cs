using Nic.Format;
using static Nic.Format.Tests.NicSamples;

namespace Nic.Format.Tests;

public sealed class WriterTests
{
    [Fact]
    public void Calls_out_of_order_are_caller_errors()
    {
        using var writer = new NicWriter(new MemoryStream());
        Assert.Throws<InvalidOperationException>(() => writer.WriteBand([1]));
        Assert.Throws<InvalidOperationException>(() => writer.WriteMetadata(NicMetadata.Empty));
        Assert.Throws<InvalidOperationException>(() => writer.Complete());

        writer.WriteHeader(SpecExampleHeader);
        Assert.Throws<InvalidOperationException>(() => writer.WriteHeader(SpecExampleHeader));
        Assert.Throws<InvalidOperationException>(() => writer.WriteBand([1]));
        Assert.Throws<InvalidOperationException>(() => writer.Complete());

        writer.WriteZSubstream([1]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteZSubstream([1]));
        Assert.Throws<InvalidOperationException>(() => writer.WriteMetadata(NicMetadata.Empty));
        writer.WriteBand([1]);
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
        writer.WriteBand([2]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteBand([3]));
        Assert.Equal(2, writer.BandsWritten);
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
    }

    [Fact]
    public void A_z_substream_without_a_z_latent_is_a_caller_error()
    {
        using var writer = new NicWriter(new MemoryStream());
        writer.WriteHeader(SpecExampleHeader with { ZShape = NicLatentShape.Empty });
        Assert.Throws<InvalidOperationException>(() => writer.WriteZSubstream([1]));
    }

    [Fact]
    public void An_invalid_header_is_rejected_before_anything_is_written()
    {
        var stream = new MemoryStream();
        using var writer = new NicWriter(stream);
        NicHeader[] invalid =
        [
            SpecExampleHeader with { Width = 0 },
            SpecExampleHeader with { Height = (1 << 24) + 1 },
            SpecExampleHeader with { RateParameter = float.NaN },
            SpecExampleHeader with { Alignment = 3 },
            SpecExampleHeader with { Flags = 1 },
            SpecExampleHeader with { RatePoint = 70000 },
            SpecExampleHeader with { ChannelLayout = NicChannelLayout.Rgba8 },
            SpecExampleHeader with { BandRows = 5 },
            SpecExampleHeader with { ZShape = new NicLatentShape(0, 1, 1) },
            SpecExampleHeader with { YShape = new NicLatentShape(70000, 4, 4) },
        ];

        foreach (var header in invalid)
        {
            var e = Assert.Throws<ArgumentException>(() => writer.WriteHeader(header));
            Assert.IsType<NicFormatException>(e.InnerException);
        }

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void Validate_checks_reader_limits_only_when_given()
    {
        var large = SpecExampleHeader with { Width = 100_000 };
        large.Validate();
        var e = Assert.Throws<NicFormatException>(() => large.Validate(NicReaderOptions.Default));
        Assert.Equal(NicFormatError.ImageTooLarge, e.Error);
        Assert.Equal(18, e.Offset);
    }

    [Fact]
    public void Model_ids_check_their_name_and_hash()
    {
        Assert.Throws<ArgumentException>(() => new NicModelId("Upper", new byte[32]));
        Assert.Throws<ArgumentException>(() => new NicModelId("", new byte[32]));
        Assert.Throws<ArgumentException>(() => new NicModelId(new string('a', 65), new byte[32]));
        Assert.Throws<ArgumentException>(() => new NicModelId("ok", new byte[31]));
        var id = new NicModelId("a.b_c-9", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        Assert.Equal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", id.Sha256Hex);
        Assert.Equal(id, new NicModelId("a.b_c-9", id.Sha256));
    }

    [Fact]
    public void Chunk_types_know_their_criticality()
    {
        Assert.True(NicChunkType.Head.IsCritical);
        Assert.False(NicChunkType.Iccp.IsCritical);
        Assert.False(new NicChunkType("qQQQ").IsCritical);
        Assert.True(new NicChunkType("Qqqq").IsCritical);
        Assert.False(new NicChunkType("QQQQ").IsKnown);
        Assert.Equal("YBND", NicChunkType.YBnd.ToString());
        Assert.Equal(NicChunkType.Done, new NicChunkType("DONE"));
        Assert.Throws<ArgumentException>(() => new NicChunkType("AB1D"));
        Assert.Throws<ArgumentException>(() => new NicChunkType("ABC"));
    }

    [Fact]
    public void Band_rows_cover_the_latent_height()
    {
        var header = SpecExampleHeader with { YShape = new NicLatentShape(8, 10, 3), BandRows = 4 };
        Assert.Equal(3, header.BandCount);
        Assert.Equal([0, 4, 8], Enumerable.Range(0, 3).Select(header.GetBandFirstRow));
        Assert.Equal([4, 4, 2], Enumerable.Range(0, 3).Select(header.GetBandRowCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => header.GetBandFirstRow(3));
    }
}
