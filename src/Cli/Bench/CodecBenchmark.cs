using System.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Bench;

/// <summary>Times whole encodes and decodes of one image (median of runs, after a warm-up that loads the model) and measures the result.</summary>
internal static class CodecBenchmark
{
    public static CodecBenchmarkResult Run(NicCodec codec, RgbImage image, NicEncodeOptions options, int runs, Action<string>? progress = null)
    {
        progress?.Invoke("warm-up encode (loads the model)");
        byte[] file = codec.Encode(image, options);
        var encodeSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"encode {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            file = codec.Encode(image, options);
            encodeSeconds.Add(watch.Elapsed.TotalSeconds);
        }

        progress?.Invoke("warm-up decode");
        RgbImage decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
        var decodeSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"decode {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
            decodeSeconds.Add(watch.Elapsed.TotalSeconds);
        }

        return new CodecBenchmarkResult(
            BenchStatistics.Median(encodeSeconds),
            BenchStatistics.Median(decodeSeconds),
            file,
            file.Length * 8.0 / image.PixelCount,
            ImageQuality.Psnr(image, decoded));
    }
}
