using System.Buffers;
using System.IO.Pipelines;
using CsCheck;
using Nic.Format;

namespace Nic.Format.Tests;

public sealed class StreamingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Bytes_arriving_one_at_a_time_give_the_same_file()
    {
        var bytes = NicSamples.Full.ToArray();
        var read = await ReadFedInPiecesAsync(bytes, Enumerable.Repeat(1, bytes.Length));
        NicAssert.Equal(NicSamples.Full, read);
    }

    [Fact]
    public async Task Bytes_arriving_in_random_pieces_give_the_same_file() =>
        await Gen.Select(RoundTripTests.FileGen, Gen.Int[1, 64].Array[1, 2000]).SampleAsync(
            async sample =>
            {
                var (file, pieces) = sample;
                NicAssert.Equal(file, await ReadFedInPiecesAsync(file.ToArray(), Cycle(pieces)));
            },
            iter: 100);

    [Fact]
    public async Task The_header_is_returned_before_the_rest_of_the_file_arrives()
    {
        var bytes = NicSamples.Full.ToArray();
        var headerEnd = 10 + 12 + NicSamples.HeadPayload(NicSamples.Full.Header).Length;
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, headerEnd));

        await using var reader = new NicReader(pipe.Reader);
        var header = await reader.ReadHeaderAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(NicSamples.Full.Header, header);

        var metadata = reader.ReadMetadataAsync().AsTask();
        Assert.False(metadata.IsCompleted, "the metadata cannot be complete before its chunks arrive");
        await pipe.Writer.WriteAsync(bytes.AsMemory(headerEnd));
        await pipe.Writer.CompleteAsync();
        Assert.Equal(NicSamples.Full.Metadata.IccProfile, (await metadata.WaitAsync(Timeout)).IccProfile);
    }

    [Fact]
    public async Task A_band_is_returned_before_the_next_one_arrives()
    {
        var bytes = NicSamples.SpecExample.ToArray();
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, 0x9C));
        await using var reader = new NicReader(pipe.Reader);

        var band = await reader.ReadNextBandAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal([0xA0, 0xA1, 0xA2], band!.Payload.ToArray());
        Assert.Equal([1, 2, 3, 4, 5], NicFile.Read(bytes).ZSubstream);
    }

    [Fact]
    public async Task An_oversized_chunk_length_is_rejected_as_soon_as_its_chunk_header_arrives()
    {
        var pipe = new Pipe();
        var head = NicSamples.Concat(NicSamples.Preamble(), NicSamples.Chunk("HEAD", NicSamples.HeadPayload(NicSamples.SpecExampleHeader)));
        await pipe.Writer.WriteAsync(head);
        await pipe.Writer.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, (byte)'Z', (byte)'S', (byte)'U', (byte)'B' });

        await using var reader = new NicReader(pipe.Reader);
        var e = await Assert.ThrowsAsync<NicFormatException>(() => reader.ReadZSubstreamAsync().AsTask().WaitAsync(Timeout));

        Assert.Equal(NicFormatError.ChunkTooLarge, e.Error);
        Assert.Equal(head.Length, e.Offset);
    }

    [Fact]
    public async Task A_chunk_over_the_reader_limit_is_rejected_before_its_payload_arrives()
    {
        var pipe = new Pipe();
        var head = NicSamples.Concat(NicSamples.Preamble(), NicSamples.Chunk("HEAD", NicSamples.HeadPayload(NicSamples.SpecExampleHeader)));
        await pipe.Writer.WriteAsync(head);
        await pipe.Writer.WriteAsync(new byte[] { 0x01, 0x00, 0x00, 0x01, (byte)'i', (byte)'c', (byte)'c', (byte)'p' });

        await using var reader = new NicReader(pipe.Reader, new NicReaderOptions { MaxMetadataLength = 1000 });
        var e = await Assert.ThrowsAsync<NicFormatException>(() => reader.ReadMetadataAsync().AsTask().WaitAsync(Timeout));

        Assert.Equal(NicFormatError.LimitExceeded, e.Error);
    }

    [Fact]
    public async Task Waiting_for_data_can_be_canceled()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(NicSamples.Preamble());
        await using var reader = new NicReader(pipe.Reader);
        using var cancellation = new CancellationTokenSource();

        var reading = reader.ReadHeaderAsync(cancellation.Token).AsTask();
        Assert.False(reading.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_canceled_token_stops_a_write()
    {
        using var stream = new MemoryStream();
        await using var writer = new NicWriter(stream, leaveOpen: true);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await writer.WriteHeaderAsync(NicSamples.SpecExampleHeader, cancellation.Token));
    }

    [Fact]
    public async Task Disposing_the_reader_completes_the_pipe()
    {
        var pipe = new Pipe();
        var reader = new NicReader(pipe.Reader);
        await reader.DisposeAsync();

        // Once the reader side is complete, the writer's flush reports completion.
        var flush = await pipe.Writer.WriteAsync(new byte[] { 1 });
        Assert.True(flush.IsCompleted);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader.ReadHeaderAsync());
    }

    [Fact]
    public async Task A_stream_is_left_open_when_asked()
    {
        using var stream = new MemoryStream(NicSamples.SpecExample.ToArray());
        await using (var reader = new NicReader(stream, leaveOpen: true))
        {
            await reader.ReadHeaderAsync();
        }

        Assert.True(stream.CanRead);
        await using (var reader = new NicReader(stream))
        {
        }

        Assert.False(stream.CanRead);
    }

    private static IEnumerable<int> Cycle(int[] pieces)
    {
        while (true)
        {
            foreach (var piece in pieces)
            {
                yield return piece;
            }
        }
    }

    private static async Task<NicFile> ReadFedInPiecesAsync(byte[] bytes, IEnumerable<int> pieces)
    {
        var pipe = new Pipe();
        var feeding = Task.Run(async () =>
        {
            var position = 0;
            using var sizes = pieces.GetEnumerator();
            while (position < bytes.Length && sizes.MoveNext())
            {
                var count = Math.Min(sizes.Current, bytes.Length - position);
                await pipe.Writer.WriteAsync(bytes.AsMemory(position, count));
                position += count;
            }

            await pipe.Writer.CompleteAsync();
        });

        await using var reader = new NicReader(pipe.Reader);
        var file = await NicFile.ReadAsync(reader).AsTask().WaitAsync(Timeout);
        await feeding;
        return file;
    }
}
