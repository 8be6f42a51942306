using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;
using Xunit.Abstractions;
using Nic.Codec.Pipeline;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// Decompression bombs and the decoder's resource limits (spec/nic-coding.md §11.6): a file is refused from its header,
/// with a stable code, before anything of the declared image's size is allocated.
/// </summary>
[Collection(nameof(SoloCollection))]
public sealed class DecodeLimitTests(ITestOutputHelper output)
{
    /// <summary>The reader's limits opened up to the format's hard maxima, so that only the decoder's own limits stand.</summary>
    private static readonly NicReaderOptions FormatMaximum = new()
    {
        MaxWidth = NicConstants.MaxImageDimension,
        MaxHeight = NicConstants.MaxImageDimension,
        MaxPixels = long.MaxValue,
        MaxLatentElements = long.MaxValue,
        MaxBands = int.MaxValue,
    };

    private static readonly Lazy<NicModelCatalog> Shipped = new(() => new NicModelCatalog());

    public static TheoryData<string, string> HugeImageCases => new()
    {
        { "defaults", nameof(NicFormatError.ImageTooLarge) },
        { "reader-open", nameof(NicCodecError.ResourceLimitExceeded) },
        { "reader-and-pixels-open", nameof(NicCodecError.ResourceLimitExceeded) },
        { "everything-open", nameof(NicCodecError.ResourceLimitExceeded) },
    };

    [Theory]
    [MemberData(nameof(HugeImageCases))]
    public void ATinyFileDeclaringA60000By60000ImageIsRefusedAtOnceWithoutLargeAllocations(string limits, string expected)
    {
        var options = new NicCodecOptions();
        if (limits != "defaults")
        {
            options.ReaderLimits = FormatMaximum;
        }

        if (limits is "reader-and-pixels-open" or "everything-open")
        {
            options.MaxDecodePixels = long.MaxValue;
        }

        if (limits == "everything-open")
        {
            // Even with no memory limit, the output image alone (10.8 GB) cannot be one array.
            options.MaxDecodeMemoryBytes = long.MaxValue;
        }

        var codec = new NicCodec(Shipped.Value, options);
        NicModelEntry model = codec.ResolveModel();
        codec.GetModel(model.File);
        byte[] file = SyntheticNicFiles.HeaderOnly(codec, model.File, 60000, 60000);
        Assert.True(file.Length < 1024, $"the bomb is {file.Length} bytes");

        (NicException error, TimeSpan elapsed, long allocated) = Refuse(codec, file);

        output.WriteLine($"60000×60000 ({limits}): {error.ErrorCode} after {elapsed.TotalMilliseconds:F2} ms, {allocated:N0} bytes allocated; {error.Message}");
        Assert.Equal(expected, error.ErrorCode);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"refusing the 60000×60000 file ({limits}) took {elapsed.TotalMilliseconds:F1} ms");
        Assert.True(allocated < 1 << 20, $"refusing the 60000×60000 file ({limits}) allocated {allocated:N0} bytes");
    }

    [Fact]
    public void AFileWithinTheReadersLimitsButAboveTheDecodersPixelLimitIsRefused()
    {
        var codec = new NicCodec(Shipped.Value);
        NicModelEntry model = codec.ResolveModel();
        byte[] file = SyntheticNicFiles.HeaderOnly(codec, model.File, 16384, 16384);
        Assert.Equal(16384L * 16384, NicReaderOptions.Default.MaxPixels);

        (NicException error, TimeSpan elapsed, long allocated) = Refuse(codec, file);

        output.WriteLine($"16384×16384: {error.ErrorCode} after {elapsed.TotalMilliseconds:F2} ms, {allocated:N0} bytes allocated; {error.Message}");
        NicCodecException e = Assert.IsType<NicCodecException>(error);
        Assert.Equal(NicCodecError.ResourceLimitExceeded, e.Error);
        Assert.Contains("MaxDecodePixels", e.Message);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"refusing took {elapsed.TotalMilliseconds:F1} ms");
        Assert.True(allocated < 1 << 20, $"refusing allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task TheMemoryLimitRefusesAFileEstimatedAboveItAndDecodesOneAtIt()
    {
        NicCodec codec = PipelineFixtures.Codec();
        byte[] file = codec.Encode(PipelineFixtures.Photo(150, 100));
        NicImageInfo info = await codec.IdentifyAsync(file);
        long estimate = codec.EstimateDecodeMemory(info);
        Assert.InRange(estimate, 150 * 100 * 3, 64L << 20);

        NicCodec below = Limited(maxPixels: null, maxMemory: estimate - 1);
        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => below.DecodeAsync(file));
        Assert.Equal(NicCodecError.ResourceLimitExceeded, e.Error);
        Assert.Contains("MaxDecodeMemoryBytes", e.Message);

        RgbImage decoded = await Limited(maxPixels: null, maxMemory: estimate).DecodeAsync(file);
        Assert.True(decoded.PixelsEqual(await codec.DecodeAsync(file)));
    }

    [Fact]
    public async Task ThePixelLimitRefusesOnePixelMoreThanItAllows()
    {
        NicCodec codec = PipelineFixtures.Codec();
        byte[] file = codec.Encode(PipelineFixtures.Photo(90, 70));

        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => Limited(maxPixels: (90 * 70) - 1, maxMemory: null).DecodeAsync(file));
        Assert.Equal(NicCodecError.ResourceLimitExceeded, e.Error);

        RgbImage decoded = await Limited(maxPixels: 90 * 70, maxMemory: null).DecodeAsync(file);
        Assert.Equal((90, 70), (decoded.Width, decoded.Height));

        // Reading the header is not decoding: Identify still describes the file.
        NicImageInfo info = await Limited(maxPixels: 1, maxMemory: 1).IdentifyAsync(file);
        Assert.Equal(90, info.Width);
    }

    [Fact]
    public void TheEstimateGrowsWithTheImageAndTheDefaultsDecodeTheLargestImageTheyAllowWithTheShippedModels()
    {
        var codec = new NicCodec(Shipped.Value);
        CodecModel model = codec.GetModel(codec.ResolveModel().File);

        long small = Estimate(model, 768, 512);
        long photo = Estimate(model, 4000, 3000);
        long square = Estimate(model, 8192, 8192);
        output.WriteLine($"{model.File.Name}: 768×512 {small / 1048576.0:F0} MiB, 4000×3000 {photo / 1048576.0:F0} MiB, 8192×8192 {square / 1048576.0:F0} MiB");
        Assert.True(small < photo && photo < square, $"{small}, {photo}, {square}");

        // ŷ alone is M × H/16 × W/16 floats and the output 3 bytes a pixel: the estimate is at least that.
        Assert.True(photo > ((long)model.M * 188 * 250 * 4) + (4000L * 3000 * 3), $"{photo}");
        Assert.Equal(8192L * 8192, NicCodecOptions.DefaultMaxDecodePixels);
        foreach (NicModelEntry entry in Shipped.Value.Models)
        {
            long bytes = Estimate(codec.GetModel(entry.File), 8192, 8192);
            Assert.True(bytes <= NicCodecOptions.DefaultMaxDecodeMemoryBytes, $"{entry.Name}: {bytes:N0} bytes for 8192×8192");
        }
    }

    [Fact]
    public void LimitsBelowOneAreInvalidOptionsAndFailAtStartUp()
    {
        var options = new NicCodecOptions { MaxDecodePixels = 0, MaxDecodeMemoryBytes = -1 };
        ArgumentException e = Assert.Throws<ArgumentException>(() => new NicCodec(PipelineFixtures.Catalog(), options));
        Assert.Contains("MaxDecodePixels", e.Message);
        Assert.Contains("MaxDecodeMemoryBytes", e.Message);

        var services = new ServiceCollection();
        services.AddNeuralImageCodec(o => o.MaxDecodeMemoryBytes = 0);
        using ServiceProvider provider = services.BuildServiceProvider();
        OptionsValidationException startup = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("MaxDecodeMemoryBytes", startup.Message);
    }

    /// <summary>Decodes <paramref name="file"/> from memory, where every step completes on this thread, and returns the error, the time and this thread's allocations.</summary>
    private static (NicException Error, TimeSpan Elapsed, long Allocated) Refuse(NicCodec codec, byte[] file)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Task<RgbImage> decode = codec.DecodeAsync(file);
        TimeSpan elapsed = watch.Elapsed;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(decode.IsCompleted, "a decode from memory ran past its first step on another thread");
        Assert.True(decode.IsFaulted, "the file was decoded");
        NicException error = Assert.IsAssignableFrom<NicException>(decode.Exception!.InnerException);
        return (error, elapsed, allocated);
    }

    private static long Estimate(CodecModel model, int width, int height) => DecodePlan.Create(
        new NicHeader
        {
            Width = width,
            Height = height,
            Alignment = 64,
            Model = model.File.Id,
            ZShape = new NicLatentShape(model.N, ImagePlanes.Align(height, 64) / 64, ImagePlanes.Align(width, 64) / 64),
            YShape = new NicLatentShape(model.M, ImagePlanes.Align(height, 64) / 16, ImagePlanes.Align(width, 64) / 16),
            BandRows = 8,
        },
        model).Memory.Bytes;

    private static NicCodec Limited(long? maxPixels, long? maxMemory)
    {
        var options = new NicCodecOptions { IncludeShippedModels = false, DefaultModel = "test-mean-q2", BandRows = 2 };
        options.MaxDecodePixels = maxPixels ?? options.MaxDecodePixels;
        options.MaxDecodeMemoryBytes = maxMemory ?? options.MaxDecodeMemoryBytes;
        return new NicCodec(PipelineFixtures.Catalog(), options);
    }
}
