using System.Buffers.Binary;
using System.IO.Compression;
using Nic.Format;
using static Nic.Format.Tests.NicSamples;

namespace Nic.Format.Tests;

/// <summary>The compressed metadata chunks <c>iccz</c>, <c>exfz</c> and <c>xmpz</c> (spec/nic-format.md §4, §5.4).</summary>
public sealed class CompressedMetadataTests
{
    private static readonly byte[] Head = Chunk("HEAD", HeadPayload(SpecExampleHeader));
    private static readonly byte[] Substreams = Concat(Chunk("ZSUB", [1, 2, 3, 4, 5]), Band(0, 0xA0, 0xA1, 0xA2), Band(1, 0xB0, 0xB1), Done());

    /// <summary>The offset of the first chunk after HEAD.</summary>
    private static readonly int AfterHead = 10 + Head.Length;

    public static NicMetadata RealMetadata { get; } = new()
    {
        IccProfile = MetadataSamples.Read("sRGB.icc"),
        Exif = MetadataSamples.Read("blinds.exif"),
        Xmp = MetadataSamples.Read("coldripple.xmp"),
    };

    [Fact]
    public void The_compressed_types_are_ancillary_so_a_reader_that_does_not_know_them_skips_them()
    {
        foreach (var type in new[] { NicChunkType.Iccz, NicChunkType.Exfz, NicChunkType.Xmpz })
        {
            Assert.False(type.IsCritical);
            Assert.True(type.IsKnown);
        }

        Assert.Equal(["iccz", "exfz", "xmpz"], new[] { NicChunkType.Iccz, NicChunkType.Exfz, NicChunkType.Xmpz }.Select(t => t.ToString()));
    }

    [Fact]
    public void Real_ICC_EXIF_and_XMP_are_stored_compressed_and_come_back_byte_for_byte()
    {
        var file = Example(RealMetadata);
        var bytes = file.ToArray();

        NicAssert.Equal(file, NicFile.Read(bytes));
        var chunks = ListChunks(bytes);
        Assert.Equal(["HEAD", "iccz", "exfz", "xmpz", "ZSUB", "YBND", "YBND", "DONE"], chunks.Select(c => c.Type));
        Assert.Equal(1, bytes[9]);

        // Each compressed chunk is smaller than the item, and the file is smaller than with raw chunks by their sum.
        var raw = Example(RealMetadata, compress: false).ToArray();
        Assert.Equal(["HEAD", "iccp", "exif", "xmpp", "ZSUB", "YBND", "YBND", "DONE"], ListChunks(raw).Select(c => c.Type));
        Assert.Equal(0, raw[9]);
        int[] itemLengths = [RealMetadata.IccProfile!.Length, RealMetadata.Exif!.Length, RealMetadata.Xmp!.Length];
        int[] storedLengths = [.. chunks.Skip(1).Take(3).Select(c => c.Length)];
        Assert.All(itemLengths.Zip(storedLengths), p => Assert.True(p.Second < p.First, $"{p.Second} stored bytes for a {p.First}-byte item"));
        Assert.Equal(raw.Length - bytes.Length, itemLengths.Sum() - storedLengths.Sum());
        NicAssert.Equal(file, NicFile.Read(raw));
    }

    [Fact]
    public async Task Compressed_metadata_round_trips_through_the_async_writer_and_a_pipe()
    {
        var file = Example(RealMetadata);
        var pipe = new System.IO.Pipelines.Pipe();
        var writing = Task.Run(async () =>
        {
            await using var writer = new NicWriter(pipe.Writer);
            await writer.WriteHeaderAsync(file.Header);
            await writer.WriteMetadataAsync(file.Metadata);
            await writer.WriteZSubstreamAsync(file.ZSubstream!);
            foreach (var band in file.Bands)
            {
                await writer.WriteBandAsync(band);
            }

            await writer.CompleteAsync();
        });
        await using var reader = new NicReader(pipe.Reader);
        NicAssert.Equal(file, await NicFile.ReadAsync(reader));
        Assert.Equal(new Version(1, 1), reader.FormatVersion);
        await writing;
    }

    [Fact]
    public void The_writer_writes_the_header_with_the_next_call_once_the_minor_version_is_known()
    {
        using var compressed = new MemoryStream();
        using (var writer = new NicWriter(compressed, leaveOpen: true))
        {
            writer.WriteHeader(SpecExampleHeader);
            Assert.Equal(0, compressed.Length);
            writer.WriteMetadata(new NicMetadata { Xmp = RealMetadata.Xmp });
            Assert.Equal(1, compressed.ToArray()[9]);
        }

        using var plain = new MemoryStream();
        using (var writer = new NicWriter(plain, leaveOpen: true))
        {
            writer.WriteHeader(SpecExampleHeader);
            writer.WriteZSubstream([1, 2, 3, 4, 5]);
            Assert.Equal(0, plain.ToArray()[9]);
        }

        // A writer disposed right after WriteHeader has written nothing, as one disposed before it.
        using var nothing = new MemoryStream();
        using (var writer = new NicWriter(nothing, leaveOpen: true))
        {
            writer.WriteHeader(SpecExampleHeader);
        }

        Assert.Equal(0, nothing.Length);
    }

    [Fact]
    public void An_item_that_does_not_shrink_is_stored_raw_and_the_file_stays_version_1_0()
    {
        var random = new byte[5000];
        new Random(18).NextBytes(random);
        var metadata = new NicMetadata { IccProfile = random, Exif = [0x49, 0x49, 0x2A, 0x00], Xmp = [] };
        var bytes = Example(metadata).ToArray();

        Assert.Equal(["HEAD", "iccp", "exif", "xmpp", "ZSUB", "YBND", "YBND", "DONE"], ListChunks(bytes).Select(c => c.Type));
        Assert.Equal(0, bytes[9]);
        Assert.Equal(random, NicFile.Read(bytes).Metadata.IccProfile);
    }

    [Fact]
    public void A_large_item_is_compressed_too_and_comes_back_byte_for_byte()
    {
        // 300 KB of XMP-like text, above the length the writer compresses at Brotli's best quality.
        var text = string.Concat(Enumerable.Range(0, 6000).Select(i => $"<rdf:li stEvt:when='2015-{i % 12 + 1:00}-{i % 28 + 1:00}' stEvt:id='{i * 7919 % 100003}'/>\n"));
        var xmp = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.True(xmp.Length > 256 << 10);
        var bytes = Example(new NicMetadata { Xmp = xmp }).ToArray();

        var chunk = ListChunks(bytes).Single(c => c.Type == "xmpz");
        Assert.True(chunk.Length < xmp.Length / 4, $"{chunk.Length} stored bytes");
        Assert.Equal(xmp, NicFile.Read(bytes).Metadata.Xmp);
    }

    [Fact]
    public void Only_the_items_that_shrink_are_compressed()
    {
        var random = new byte[3000];
        new Random(7).NextBytes(random);
        var metadata = new NicMetadata { IccProfile = random, Xmp = RealMetadata.Xmp };
        var bytes = Example(metadata).ToArray();

        Assert.Equal(["HEAD", "iccp", "xmpz", "ZSUB", "YBND", "YBND", "DONE"], ListChunks(bytes).Select(c => c.Type));
        Assert.Equal(RealMetadata.Xmp, NicFile.Read(bytes).Metadata.Xmp);
    }

    [Fact]
    public void The_payload_is_the_method_byte_the_uncompressed_length_and_a_Brotli_stream()
    {
        var bytes = Example(new NicMetadata { Xmp = RealMetadata.Xmp }).ToArray();
        var chunk = ListChunks(bytes).Single(c => c.Type == "xmpz");

        Assert.Equal(1, chunk.Payload[0]);
        Assert.Equal((uint)RealMetadata.Xmp!.Length, BinaryPrimitives.ReadUInt32LittleEndian(chunk.Payload.AsSpan(1)));
        var restored = new byte[RealMetadata.Xmp.Length];
        Assert.True(BrotliDecoder.TryDecompress(chunk.Payload.AsSpan(5), restored, out var written));
        Assert.Equal(RealMetadata.Xmp.Length, written);
        Assert.Equal(RealMetadata.Xmp, restored);
    }

    [Fact]
    public void A_reader_that_does_not_know_the_compressed_types_reads_the_image_intact_and_no_metadata()
    {
        // To a 1.0 reader, iccz, exfz and xmpz are ancillary types it does not know: exactly what any other unknown
        // lowercase type is to this reader. Renaming them to such types (CRC recomputed) gives this reader the bytes a
        // 1.0 reader sees, and it must take the path a 1.0 reader takes: skip them, read the image.
        var file = Example(RealMetadata);
        var bytes = file.ToArray();
        var asOldReaderSeesIt = Concat(
            [bytes[..10], .. ListChunks(bytes).Select(c => Chunk(c.Type switch { "iccz" => "qccz", "exfz" => "qxfz", "xmpz" => "qmpz", _ => c.Type }, c.Payload))]);

        var read = NicFile.Read(asOldReaderSeesIt);

        Assert.True(read.Metadata.IsEmpty);
        NicAssert.Equal(SpecExample, read);
    }

    [Fact]
    public void Keep_leaves_out_the_items_not_chosen()
    {
        Assert.Same(RealMetadata, RealMetadata.Keep(NicMetadataItems.All));
        Assert.Equal(NicMetadataItems.All, RealMetadata.Items);
        var exifOnly = RealMetadata.Keep(NicMetadataItems.Exif);
        Assert.Equal(NicMetadataItems.Exif, exifOnly.Items);
        Assert.Same(RealMetadata.Exif, exifOnly.Exif);
        Assert.True(RealMetadata.Keep(NicMetadataItems.None).IsEmpty);
        Assert.Equal(NicMetadataItems.IccProfile | NicMetadataItems.Xmp, RealMetadata.Keep(NicMetadataItems.IccProfile | NicMetadataItems.Xmp).Items);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void A_method_other_than_Brotli_is_UnsupportedCompression_at_the_chunk(byte method)
    {
        var payload = CompressedPayload(RealMetadata.IccProfile!);
        payload[0] = method;
        var e = NicAssert.Fails(NicFormatError.UnsupportedCompression, WithChunks(Chunk("iccz", payload)));
        Assert.Equal(AfterHead, e.Offset);
    }

    [Fact]
    public void A_decompression_bomb_is_refused_from_its_declared_length_before_anything_is_allocated()
    {
        // 64 MiB of zeros compress to a few kilobytes: the reader must not inflate them.
        var bomb = CompressedPayload(new byte[64 << 20], quality: 5);
        Assert.True(bomb.Length < 4096, $"the bomb is {bomb.Length} bytes");
        var file = WithChunks(Chunk("exfz", bomb));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = NicAssert.Fails(NicFormatError.LimitExceeded, file);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(AfterHead, e.Offset);
        Assert.Contains("67108864", e.Detail);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated while refusing the bomb");

        // The declared length is checked against the reader's limit, whatever the default.
        var small = CompressedPayload(RealMetadata.IccProfile!);
        NicAssert.Fails(NicFormatError.LimitExceeded, WithChunks(Chunk("iccz", small)), new NicReaderOptions { MaxMetadataLength = 6921 });
        Assert.Equal(RealMetadata.IccProfile, NicFile.Read(WithChunks(Chunk("iccz", small)), new NicReaderOptions { MaxMetadataLength = 6922 }).Metadata.IccProfile);
    }

    [Fact]
    public void A_bomb_that_declares_a_small_length_is_stopped_at_that_length()
    {
        var bomb = CompressedPayload(new byte[64 << 20], quality: 5);
        BinaryPrimitives.WriteUInt32LittleEndian(bomb.AsSpan(1), 1000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = NicAssert.Fails(NicFormatError.CompressedDataCorrupt, WithChunks(Chunk("exfz", bomb)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("more than the declared 1000", e.Detail);
    }

    [Theory]
    [InlineData(-1, "restores more than")]
    [InlineData(1, "restores 6922 bytes, not the declared 6923")]
    public void A_declared_length_other_than_the_restored_one_is_CompressedDataCorrupt(int change, string detail)
    {
        var payload = CompressedPayload(RealMetadata.IccProfile!);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(1), (uint)(RealMetadata.IccProfile!.Length + change));
        var e = NicAssert.Fails(NicFormatError.CompressedDataCorrupt, WithChunks(Chunk("iccz", payload)));
        Assert.Equal(AfterHead, e.Offset);
        Assert.Contains(detail, e.Detail);
    }

    [Fact]
    public void Truncated_compressed_data_is_CompressedDataCorrupt_even_with_a_valid_CRC()
    {
        var payload = CompressedPayload(RealMetadata.Exif!);
        var e = NicAssert.Fails(NicFormatError.CompressedDataCorrupt, WithChunks(Chunk("exfz", payload[..^20])));
        Assert.Equal(AfterHead, e.Offset);
        Assert.Contains("ends early", e.Detail);
    }

    [Fact]
    public void Bytes_after_the_compressed_stream_or_invalid_data_are_CompressedDataCorrupt()
    {
        var payload = CompressedPayload(RealMetadata.Xmp!);
        Assert.Contains("follow the end", NicAssert.Fails(NicFormatError.CompressedDataCorrupt, WithChunks(Chunk("xmpz", [.. payload, 0]))).Detail);

        byte[] garbage = [1, .. BitConverter.GetBytes(100), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        NicAssert.Fails(NicFormatError.CompressedDataCorrupt, WithChunks(Chunk("xmpz", garbage)));
    }

    [Fact]
    public void An_empty_item_may_be_stored_compressed()
    {
        var empty = CompressedPayload([]);
        Assert.Equal([], NicFile.Read(WithChunks(Chunk("xmpz", empty))).Metadata.Xmp!);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void A_compressed_chunk_shorter_than_its_fixed_fields_is_InvalidChunkLength(int length)
    {
        var e = NicAssert.Fails(NicFormatError.InvalidChunkLength, WithChunks(Chunk("iccz", new byte[length])));
        Assert.Equal(AfterHead, e.Offset);
    }

    [Fact]
    public void An_item_stored_both_raw_and_compressed_is_a_DuplicateChunk()
    {
        var raw = Chunk("iccp", RealMetadata.IccProfile!);
        var e = NicAssert.Fails(NicFormatError.DuplicateChunk, WithChunks(raw, Chunk("iccz", CompressedPayload(RealMetadata.IccProfile!))));
        Assert.Equal(AfterHead + raw.Length, e.Offset);
        NicAssert.Fails(NicFormatError.DuplicateChunk, WithChunks(Chunk("exfz", CompressedPayload(RealMetadata.Exif!)), Chunk("exif", RealMetadata.Exif!)));
        NicAssert.Fails(NicFormatError.DuplicateChunk, WithChunks(Chunk("xmpz", CompressedPayload(RealMetadata.Xmp!)), Chunk("xmpz", CompressedPayload(RealMetadata.Xmp!))));
    }

    [Fact]
    public void A_compressed_chunk_after_a_substream_chunk_is_ChunkOutOfOrder()
    {
        var zsub = Chunk("ZSUB", [1, 2, 3, 4, 5]);
        var file = Concat(Preamble(minor: 1), Head, zsub, Chunk("iccz", CompressedPayload(RealMetadata.IccProfile!)), Band(0, 1), Band(1, 2), Done());
        Assert.Equal(AfterHead + zsub.Length, NicAssert.Fails(NicFormatError.ChunkOutOfOrder, file).Offset);
    }

    [Fact]
    public void A_compressed_chunk_longer_than_the_metadata_limit_is_LimitExceeded_before_its_payload_arrives()
    {
        var payload = CompressedPayload(RealMetadata.Exif!);
        var announced = Chunk("exfz", payload)[..8];
        BinaryPrimitives.WriteUInt32LittleEndian(announced, 1 << 25);
        var e = NicAssert.Fails(NicFormatError.LimitExceeded, Concat(Preamble(minor: 1), Head, announced));
        Assert.Equal(AfterHead, e.Offset);
    }

    [Fact]
    public void A_corrupted_compressed_payload_with_its_CRC_unchanged_is_BadChecksum()
    {
        var chunk = Chunk("iccz", CompressedPayload(RealMetadata.IccProfile!));
        chunk[20] ^= 0x10;
        Assert.Equal(AfterHead, NicAssert.Fails(NicFormatError.BadChecksum, WithChunks(chunk)).Offset);
    }

    /// <summary>A compressed-chunk payload made with the BCL's Brotli encoder directly, independent of the writer.</summary>
    internal static byte[] CompressedPayload(byte[] item, int quality = 11)
    {
        var buffer = new byte[5 + BrotliEncoder.GetMaxCompressedLength(item.Length)];
        Assert.True(BrotliEncoder.TryCompress(item, buffer.AsSpan(5), out var written, quality, 22));
        buffer[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(1), (uint)item.Length);
        return buffer[..(5 + written)];
    }

    private static NicFile Example(NicMetadata metadata, bool compress = true) => new()
    {
        Header = SpecExample.Header,
        Metadata = metadata,
        CompressMetadata = compress,
        ZSubstream = SpecExample.ZSubstream,
        Bands = SpecExample.Bands,
    };

    private static byte[] WithChunks(params byte[][] metadataChunks) =>
        Concat([Preamble(minor: 1), Head, .. metadataChunks, Substreams]);

    private static List<(string Type, int Length, byte[] Payload)> ListChunks(byte[] file)
    {
        var chunks = new List<(string, int, byte[])>();
        using var reader = new NicReader(file);
        while (reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult() is { } chunk)
        {
            chunks.Add((chunk.Type.ToString(), chunk.Length, System.Buffers.BuffersExtensions.ToArray(chunk.Payload)));
        }

        return chunks;
    }
}
