using System.Diagnostics;
using Nic.Codec.Entropy;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec;
using Nic.Format;
using Xunit.Abstractions;
using Nic.Codec.Pipeline;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// Bands whose escape codes (spec/nic-coding.md §5) claim values no 32-bit symbol can have: a well-framed file (valid
/// CRCs, valid header) whose first y symbol escapes into a huge magnitude is refused with its code at that symbol.
/// </summary>
[Collection(nameof(SoloCollection))]
public sealed class EscapeBombTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(63)]
    [InlineData(33)]
    [InlineData(32)]
    public async Task AnEscapeClaimingAHugeValueIsRefusedAtOnce(int bitLength)
    {
        NicCodec codec = PipelineFixtures.Codec();
        byte[] intact = codec.Encode(PipelineFixtures.Photo(64, 64));
        NicFile coded = NicFile.Read(intact);
        byte[][] bands = [.. coded.Bands];
        bands[0] = ForgedBand(codec, coded, bitLength);
        byte[] file = new NicFile { Header = coded.Header, ZSubstream = coded.ZSubstream, Bands = bands }.ToArray();
        await codec.DecodeAsync(intact); // warm: the timing and allocation below are the refusal's alone

        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Task<RgbImage> decode = codec.DecodeAsync(file);
        TimeSpan elapsed = watch.Elapsed;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decode.IsCompleted, "a decode from memory ran past its first step on another thread");
        NicCodecException e = Assert.IsType<NicCodecException>(decode.Exception?.InnerException);
        output.WriteLine($"escape of {bitLength} bits: {e.ErrorCode} after {elapsed.TotalMilliseconds:F2} ms, {allocated:N0} bytes allocated; {e.Message}");
        Assert.Equal(NicCodecError.EntropyPayloadCorrupt, e.Error);
        Assert.Equal(0, e.Position);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"refusing took {elapsed.TotalMilliseconds:F1} ms");
        Assert.True(allocated < 4 << 20, $"refusing allocated {allocated:N0} bytes");
    }

    /// <summary>
    /// A stream whose first symbol is the escape of its table followed by a length of <paramref name="bitLength"/>
    /// bits; for 32 bits, all of them set, which decodes beyond the signed 32-bit range.
    /// </summary>
    private static byte[] ForgedBand(NicCodec codec, NicFile coded, int bitLength)
    {
        CodecModel model = codec.GetModel(coded.Header);
        NicLatentShape z = coded.Header.ZShape;
        EntropyParameters parameters = model.Managed.HyperSynthesize(model.Bottleneck.Decompress(coded.ZSubstream, z.Height, z.Width));
        var table = new int[1];
        ScaleIndexer.Index(parameters.Scales.Data.AsSpan(0, 1), model.File.ScaleTable.Span, table);
        QuantizedCdfTables tables = model.File.GaussianConditionalTables!;
        ReadOnlySpan<int> cdf = tables.GetCdf(table[0]);
        int escape = tables.SymbolCount(table[0]);

        // Pushed in the reverse of the reading order: the raw groups, the length, the escape symbol.
        using var encoder = new RansEncoder(4);
        if (bitLength <= RansConstants.MaxEscapeLength)
        {
            for (int shift = bitLength - RansConstants.EscapeGroupBits; shift >= 0; shift -= RansConstants.EscapeGroupBits)
            {
                encoder.PutBits(0xFFFF, RansConstants.EscapeGroupBits);
            }
        }

        encoder.PutBits((uint)bitLength, RansConstants.EscapeLengthBits);
        encoder.Put((uint)cdf[escape], (uint)(cdf[escape + 1] - cdf[escape]));
        return encoder.Finish();
    }
}
