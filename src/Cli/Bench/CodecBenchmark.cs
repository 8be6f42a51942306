using System.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Bench;

/// <summary>
/// Times whole encodes and decodes of one image (median of runs, after a warm-up that loads the model) and measures the
/// result. Several codecs (Nic and a peer) are timed in turns, one encode (or decode) each per round, so that a change
/// in the machine's load during the run falls on all of them alike.
/// </summary>
internal static class CodecBenchmark
{
    public static CodecBenchmarkResult Run(NicCodec codec, RgbImage image, NicEncodeOptions options, int runs, Action<string>? progress = null) =>
        Run([codec], image, options, runs, progress)[0];

    public static CodecBenchmarkResult[] Run(IReadOnlyList<NicCodec> codecs, RgbImage image, NicEncodeOptions options, int runs, Action<string>? progress = null)
    {
        int count = codecs.Count;
        var files = new byte[count][];
        var encodeSeconds = new List<double>[count];
        var decodeSeconds = new List<double>[count];
        var decoded = new RgbImage[count];
        for (int i = 0; i < count; i++)
        {
            progress?.Invoke($"warm-up encode (loads the model){Of(i, count)}");
            files[i] = codecs[i].Encode(image, options);
            encodeSeconds[i] = [];
            decodeSeconds[i] = [];
        }

        for (int run = 0; run < runs; run++)
        {
            for (int i = 0; i < count; i++)
            {
                progress?.Invoke($"encode {run + 1}/{runs}{Of(i, count)}");
                var watch = Stopwatch.StartNew();
                files[i] = codecs[i].Encode(image, options);
                encodeSeconds[i].Add(watch.Elapsed.TotalSeconds);
            }
        }

        for (int i = 0; i < count; i++)
        {
            progress?.Invoke($"warm-up decode{Of(i, count)}");
            decoded[i] = codecs[i].DecodeAsync(files[i]).GetAwaiter().GetResult();
        }

        for (int run = 0; run < runs; run++)
        {
            for (int i = 0; i < count; i++)
            {
                progress?.Invoke($"decode {run + 1}/{runs}{Of(i, count)}");
                var watch = Stopwatch.StartNew();
                decoded[i] = codecs[i].DecodeAsync(files[i]).GetAwaiter().GetResult();
                decodeSeconds[i].Add(watch.Elapsed.TotalSeconds);
            }
        }

        return [.. Enumerable.Range(0, count).Select(i => new CodecBenchmarkResult(
            BenchStatistics.Median(encodeSeconds[i]),
            BenchStatistics.Median(decodeSeconds[i]),
            files[i],
            files[i].Length * 8.0 / image.PixelCount,
            ImageQuality.Psnr(image, decoded[i])))];
    }

    private static string Of(int index, int count) => count == 1 ? "" : $", {(index == 0 ? "Nic" : "peer")}";
}
