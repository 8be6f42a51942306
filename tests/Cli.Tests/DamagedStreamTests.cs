using System.Diagnostics;
using Nic.Codec;
using Nic.Format;

namespace Nic.Cli.Tests;

/// <summary>
/// Design rule 2 on golden conformance streams: every truncation and every single-bit flip ends in a documented
/// error (a <see cref="NicException"/> with its code) or a valid image, quickly — never another exception or a hang.
/// </summary>
public sealed class DamagedStreamTests
{
    private static readonly NicCodec Codec = new(options: new NicCodecOptions { Parallelism = 1 });

    [Theory]
    [InlineData("size-2x3")]
    [InlineData("size-17x13")]
    [InlineData("metadata-icc-exif-xmp")]
    [InlineData("metadata-compressed")]
    public async Task EveryTruncationIsReportedAsTruncated(string name)
    {
        byte[] file = await File.ReadAllBytesAsync(Path.Combine(ConformanceSuiteTests.SuiteDirectory, "golden", name + ".nic"));
        for (int length = 0; length < file.Length; length++)
        {
            (string? error, _) = await Decode(file[..length]);
            Assert.True(error == nameof(NicFormatError.Truncated), $"{name} cut to {length} bytes gave {error ?? "an image"}");
        }
    }

    [Theory]
    [InlineData("size-2x3")]
    [InlineData("size-17x13")]
    public async Task EverySingleBitFlipEndsInADocumentedErrorOrAnImage(string name)
    {
        byte[] file = await File.ReadAllBytesAsync(Path.Combine(ConformanceSuiteTests.SuiteDirectory, "golden", name + ".nic"));
        // The intact file first: it decodes, and the model's one-time load is not counted against a damaged decode.
        Assert.Null((await Decode(file)).Error);
        var outcomes = new Dictionary<string, int>();
        TimeSpan slowest = TimeSpan.Zero;
        for (int bit = 0; bit < file.Length * 8; bit++)
        {
            byte[] damaged = [.. file];
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            (string? error, TimeSpan elapsed) = await Decode(damaged);
            string outcome = error ?? "image";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            slowest = elapsed > slowest ? elapsed : slowest;
        }

        Assert.True(slowest < TimeSpan.FromSeconds(2), $"the slowest damaged decode took {slowest}");
        Assert.True(outcomes.GetValueOrDefault(nameof(NicFormatError.BadChecksum)) > file.Length * 4, string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
    }

    /// <summary>Decodes to the end; the error code of a <see cref="NicException"/>, or null for an image. Any other exception fails the test.</summary>
    private static async Task<(string? Error, TimeSpan Elapsed)> Decode(byte[] file)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await using NicRowDecoder decoder = await Codec.OpenAsync(new MemoryStream(file, writable: false));
            await decoder.ReadImageAsync();
            return (null, watch.Elapsed);
        }
        catch (NicException e)
        {
            return (e.ErrorCode, watch.Elapsed);
        }
    }
}
