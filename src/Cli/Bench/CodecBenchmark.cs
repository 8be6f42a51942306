using System.Diagnostics;
using Nic.Codec.Imaging;
using Nic.Codec;

namespace Nic.Cli.Bench;

/// <summary>
/// Times whole encodes and decodes of one image (median of runs, after a warm-up that loads the model) and measures the
/// result. A peer (<see cref="TransformPeer"/>) is timed in turns with Nic, one encode (or decode) each per round, so
/// that a change in the machine's load during the run falls on both alike.
/// </summary>
internal static class CodecBenchmark
{
    public static CodecBenchmarkResult Run(NicCodec codec, RgbImage image, NicEncodeOptions options, int runs, Action<string>? progress = null, TransformPeer? peer = null)
    {
        progress?.Invoke("warm-up encode (loads the model)");
        byte[] file = codec.Encode(image, options);
        if (peer is not null)
        {
            progress?.Invoke("warm-up encode, peer");
            peer.Encode();
        }

        var encodeSeconds = new List<double>();
        var peerEncodeSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"encode {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            file = codec.Encode(image, options);
            encodeSeconds.Add(watch.Elapsed.TotalSeconds);
            if (peer is not null)
            {
                progress?.Invoke($"encode {run + 1}/{runs}, peer");
                watch.Restart();
                peer.Encode();
                peerEncodeSeconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        progress?.Invoke("warm-up decode");
        RgbImage decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
        if (peer is not null)
        {
            progress?.Invoke("warm-up decode, peer");
            peer.Decode();
        }

        var decodeSeconds = new List<double>();
        var peerDecodeSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"decode {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
            decodeSeconds.Add(watch.Elapsed.TotalSeconds);
            if (peer is not null)
            {
                progress?.Invoke($"decode {run + 1}/{runs}, peer");
                watch.Restart();
                peer.Decode();
                peerDecodeSeconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        return new CodecBenchmarkResult(
            BenchStatistics.Median(encodeSeconds),
            BenchStatistics.Median(decodeSeconds),
            file,
            file.Length * 8.0 / image.PixelCount,
            ImageQuality.Psnr(image, decoded),
            peer is null ? null : new PeerBenchmarkResult(BenchStatistics.Median(peerEncodeSeconds), BenchStatistics.Median(peerDecodeSeconds), peer.PsnrDb()));
    }
}
