using System.IO.Pipelines;
using CsCheck;
using Nic.Format;

namespace Nic.Format.Tests;

public sealed class RoundTripTests
{
    private const string NameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._-";

    private static readonly Gen<NicHeader> HeaderGen =
        from size in Gen.Select(Gen.Int[1, 5000], Gen.Int[1, 5000], Gen.Int[0, 10])
        from rate in Gen.Select(Gen.Int[0, 65535], Gen.Float[-1000f, 1000f])
        from name in Gen.Char[NameCharacters].Array[1, 64]
        from hash in Gen.Byte.Array[32]
        from hasZ in Gen.Bool
        from z in Gen.Select(Gen.Int[1, 320], Gen.Int[1, 12], Gen.Int[1, 12])
        from y in Gen.Select(Gen.Int[1, 320], Gen.Int[1, 40], Gen.Int[1, 40])
        from bandRows in Gen.Int[1, y.Item2]
        select new NicHeader
        {
            Width = size.Item1,
            Height = size.Item2,
            Alignment = 1 << size.Item3,
            RatePoint = rate.Item1,
            RateParameter = rate.Item2,
            Model = new NicModelId(new string(name), hash),
            ZShape = hasZ ? new NicLatentShape(z.Item1, z.Item2, z.Item3) : NicLatentShape.Empty,
            YShape = new NicLatentShape(y.Item1, y.Item2, y.Item3),
            BandRows = bandRows,
        };

    private static readonly Gen<byte[]?> OptionalBytes =
        Gen.Select(Gen.Bool, Gen.Byte.Array[0, 300], (present, bytes) => present ? bytes : null);

    internal static readonly Gen<NicFile> FileGen =
        from header in HeaderGen
        from icc in OptionalBytes
        from exif in OptionalBytes
        from xmp in OptionalBytes
        from z in Gen.Byte.Array[0, 100]
        from bands in Gen.Byte.Array[0, 60].Array[40]
        select new NicFile
        {
            Header = header,
            Metadata = new NicMetadata { IccProfile = icc, Exif = exif, Xmp = xmp },
            ZSubstream = header.HasHyperprior ? z : null,
            Bands = bands[..header.BandCount],
        };

    [Fact]
    public void Random_files_round_trip_through_byte_arrays() =>
        FileGen.Sample(file => NicAssert.Equal(file, NicFile.Read(file.ToArray())), iter: 300);

    [Fact]
    public async Task Random_files_round_trip_through_streams() =>
        await FileGen.SampleAsync(
            async file =>
            {
                using var stream = new MemoryStream();
                await file.WriteAsync(stream);
                Assert.Equal(file.ToArray(), stream.ToArray());
                stream.Position = 0;
                NicAssert.Equal(file, await NicFile.ReadAsync(stream));
                Assert.True(stream.CanRead, "the stream is left open");
            },
            iter: 100);

    [Fact]
    public async Task Random_files_round_trip_through_pipes() =>
        await FileGen.SampleAsync(
            async file =>
            {
                var pipe = new Pipe();
                var writing = Task.Run(async () =>
                {
                    await using var writer = new NicWriter(pipe.Writer);
                    await writer.WriteHeaderAsync(file.Header);
                    await writer.WriteMetadataAsync(file.Metadata);
                    if (file.ZSubstream is { } z)
                    {
                        await writer.WriteZSubstreamAsync(z);
                    }

                    foreach (var band in file.Bands)
                    {
                        await writer.WriteBandAsync(band);
                    }

                    await writer.CompleteAsync();
                });
                await using var reader = new NicReader(pipe.Reader);
                NicAssert.Equal(file, await NicFile.ReadAsync(reader));
                await writing;
            },
            iter: 100);

    [Fact]
    public async Task A_file_round_trips_through_a_file_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nic-test-{Guid.NewGuid():N}.nic");
        try
        {
            NicSamples.Full.Write(path);
            Assert.Equal(NicSamples.Full.ToArray(), await File.ReadAllBytesAsync(path));
            NicAssert.Equal(NicSamples.Full, await NicFile.ReadAsync(path));
            await using var reader = NicReader.Open(path);
            Assert.Equal(NicSamples.Full.Header, await reader.ReadHeaderAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Writing_a_file_path_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        var folder = Directory.CreateTempSubdirectory("nic-test-");
        try
        {
            var path = Path.Combine(folder.FullName, "image.nic");
            File.WriteAllText(path, "old contents");
            NicSamples.SpecExample.Write(path);
            Assert.Equal(NicSamples.SpecExample.ToArray(), File.ReadAllBytes(path));
            Assert.Single(folder.GetFiles());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Writing_an_inconsistent_file_leaves_the_existing_file_untouched()
    {
        var folder = Directory.CreateTempSubdirectory("nic-test-");
        try
        {
            var path = Path.Combine(folder.FullName, "image.nic");
            File.WriteAllText(path, "old contents");
            var broken = new NicFile { Header = NicSamples.SpecExampleHeader, ZSubstream = [1], Bands = [[1]] };
            Assert.Throws<ArgumentException>(() => broken.Write(path));
            Assert.Equal("old contents", File.ReadAllText(path));
            Assert.Single(folder.GetFiles());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Synchronous_writes_to_a_pipe_become_visible_when_the_writer_is_disposed()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        using (var writer = new NicWriter(pipe.Writer))
        {
            writer.WriteHeader(NicSamples.SpecExampleHeader);
            writer.WriteZSubstream([1, 2, 3, 4, 5]);
            writer.WriteBand([0xA0, 0xA1, 0xA2]);
            writer.WriteBand([0xB0, 0xB1]);
            writer.Complete();
        }

        await using var reader = new NicReader(pipe.Reader);
        var file = await NicFile.ReadAsync(reader);
        NicAssert.Equal(NicSamples.SpecExample, file);
    }

    [Fact]
    public void Metadata_comes_back_byte_for_byte()
    {
        var icc = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
        var exif = new byte[] { 0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0xFF, 0x00 };
        var xmp = "<?xpacket begin='\uFEFF'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>é</x:xmpmeta>"u8.ToArray();
        var file = NicSamples.SpecExample;
        var withMetadata = new NicFile
        {
            Header = file.Header,
            Metadata = new NicMetadata { IccProfile = icc, Exif = exif, Xmp = xmp },
            ZSubstream = file.ZSubstream,
            Bands = file.Bands,
        };

        var metadata = NicFile.Read(withMetadata.ToArray()).Metadata;

        Assert.Equal(icc, metadata.IccProfile);
        Assert.Equal(exif, metadata.Exif);
        Assert.Equal(xmp, metadata.Xmp);
        Assert.True(NicFile.Read(file.ToArray()).Metadata.IsEmpty);
    }

    [Fact]
    public void Empty_metadata_items_are_kept_distinct_from_absent_ones()
    {
        var file = new NicFile
        {
            Header = NicSamples.SpecExampleHeader,
            Metadata = new NicMetadata { Exif = [] },
            ZSubstream = [],
            Bands = [[], []],
        };

        var read = NicFile.Read(file.ToArray());

        Assert.NotNull(read.Metadata.Exif);
        Assert.Empty(read.Metadata.Exif);
        Assert.Null(read.Metadata.IccProfile);
        Assert.Empty(read.ZSubstream!);
    }

    [Fact]
    public void A_model_without_hyperprior_has_no_z_substream()
    {
        var file = new NicFile
        {
            Header = NicSamples.SpecExampleHeader with { ZShape = NicLatentShape.Empty, BandRows = 3 },
            Bands = [[1, 2], [3]],
        };

        var bytes = file.ToArray();
        var read = NicFile.Read(bytes);

        NicAssert.Equal(file, read);
        Assert.Null(read.ZSubstream);
        Assert.DoesNotContain("ZSUB", System.Text.Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public async Task Bands_report_their_rows()
    {
        await using var reader = new NicReader(NicSamples.Full.ToArray());
        var header = await reader.ReadHeaderAsync();
        Assert.Equal(3, header.BandCount);
        var rows = new List<(int, int, int)>();
        await foreach (var band in reader.ReadBandsAsync())
        {
            rows.Add((band.Index, band.FirstRow, band.RowCount));
        }

        Assert.Equal([(0, 0, 2), (1, 2, 2), (2, 4, 1)], rows);
    }

    [Fact]
    public async Task Chunks_are_listed_in_file_order_with_offsets()
    {
        var bytes = NicSamples.SpecExample.ToArray();
        await using var reader = new NicReader(bytes);
        var chunks = new List<NicChunkInfo>();
        while (await reader.ReadChunkAsync() is { } chunk)
        {
            Assert.Equal((long)chunk.Length, chunk.Payload.Length);
            chunks.Add(chunk);
        }

        Assert.Equal(["HEAD", "ZSUB", "YBND", "YBND", "DONE"], chunks.Select(c => c.Type.ToString()));
        Assert.Equal([0x0A, 0x78, 0x89, 0x9C, 0xAE], chunks.Select(c => c.Offset));
        Assert.Equal([98, 5, 7, 6, 0], chunks.Select(c => c.Length));
        Assert.Equal(bytes.Length, chunks[^1].Offset + chunks[^1].TotalLength);
        Assert.Equal(new Version(1, 0), reader.FormatVersion);
        Assert.Equal(NicSamples.SpecExampleHeader, reader.Header);
    }

    [Fact]
    public async Task The_z_substream_can_be_skipped_and_metadata_read_late()
    {
        await using var reader = new NicReader(NicSamples.Full.ToArray());
        var first = await reader.ReadNextBandAsync();
        Assert.Equal(0, first!.Index);
        Assert.Equal(NicSamples.Full.Metadata.Xmp, (await reader.ReadMetadataAsync()).Xmp);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.ReadZSubstreamAsync());
    }
}
