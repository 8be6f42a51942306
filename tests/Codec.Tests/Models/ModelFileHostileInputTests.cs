using System.Buffers.Binary;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Models;

public class ModelFileHostileInputTests
{
    private static readonly byte[] SmallFile =
        ModelFactory.CreateRandom(ModelArchitectureKind.Bmshj2018Factorized, 2, 2, seed: 4);

    /// <summary>Loads bytes: either they load, or the only failure is a <see cref="NicCodecException"/> with a model code.</summary>
    private static bool LoadsOrFailsCleanly(byte[] bytes)
    {
        try
        {
            NicModelFile.Load(bytes);
            return true;
        }
        catch (NicCodecException e)
        {
            Assert.True((int)e.Error is >= 201 and <= 202, $"unexpected code {e.Error}: {e.Message}");
            return false;
        }
    }

    [Fact]
    public void EveryTruncationIsRefused()
    {
        for (int length = 0; length < SmallFile.Length; length++)
        {
            var e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(SmallFile.AsMemory(0, length)));
            Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        }

        NicModelFile.Load(SmallFile);
    }

    [Fact]
    public void RandomSingleByteCorruptionsFailCleanly()
    {
        var random = new Random(1234);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(SmallFile);
        int loadedInHeader = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] bytes = (byte[])SmallFile.Clone();
            int position = random.Next(bytes.Length);
            bytes[position] ^= (byte)random.Next(1, 256);
            if (LoadsOrFailsCleanly(bytes) && position < headerEnd)
            {
                loadedInHeader++;
            }
        }

        // A changed header byte can still load (e.g. a space of the padding, a digit of lambda), but rarely.
        Assert.True(loadedInHeader < 200, $"{loadedInHeader} header corruptions loaded");
    }

    [Fact]
    public void RandomGarbageFailsCleanly()
    {
        var random = new Random(99);
        for (int trial = 0; trial < 500; trial++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            if (bytes.Length >= 8 && trial % 2 == 0)
            {
                // A plausible header length, so that the JSON parser sees the garbage.
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)random.Next(0, bytes.Length - 7));
            }

            Assert.False(LoadsOrFailsCleanly(bytes));
        }
    }

    [Fact]
    public async Task HugeHeaderLengthIsRefusedWithoutAllocating()
    {
        var prefix = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, 1UL << 63);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(prefix));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);

        var stream = new NonSeekableStream(i => i < 8 ? prefix[i] : (byte)'{', long.MaxValue);
        e = await Assert.ThrowsAsync<NicCodecException>(() => NicModelFile.LoadAsync(stream));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal(8, stream.BytesRead);
    }

    [Fact]
    public async Task TwentyMebibyteHeaderIsRefusedBeforeItIsRead()
    {
        const int jsonLength = 20 << 20;
        byte[] json = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(json, jsonLength);
        var stream = new NonSeekableStream(i => i < 8 ? json[i] : i == 8 ? (byte)'{' : (byte)' ', 8L + jsonLength);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = await Assert.ThrowsAsync<NicCodecException>(() => NicModelFile.LoadAsync(stream));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.Contains("limit", e.Message, StringComparison.Ordinal);
        Assert.Equal(8, stream.BytesRead);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);

        // The same file in memory is refused from its first 8 bytes too.
        var file = new byte[8 + jsonLength];
        json.CopyTo(file, 0);
        before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(file));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public async Task StreamLongerThanTheLimitIsRefused()
    {
        var stream = new NonSeekableStream(SmallFile);
        var e = await Assert.ThrowsAsync<NicCodecException>(() => NicModelFile.LoadAsync(stream, maxLength: SmallFile.Length - 1));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        await using var seekable = new MemoryStream(SmallFile);
        e = await Assert.ThrowsAsync<NicCodecException>(() => NicModelFile.LoadAsync(seekable, maxLength: SmallFile.Length - 1));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
    }
}
