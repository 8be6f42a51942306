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

        (List<double> encodeSeconds, List<double> peerEncodeSeconds) = InTurns("encode", runs, () => file = codec.Encode(image, options), peer is null ? null : peer.Encode, progress);

        progress?.Invoke("warm-up decode");
        RgbImage decoded = codec.DecodeAsync(file).GetAwaiter().GetResult();
        if (peer is not null)
        {
            progress?.Invoke("warm-up decode, peer");
            peer.Decode();
        }

        (List<double> decodeSeconds, List<double> peerDecodeSeconds) = InTurns("decode", runs, () => decoded = codec.DecodeAsync(file).GetAwaiter().GetResult(), peer is null ? null : peer.Decode, progress);

        return new CodecBenchmarkResult(
            BenchStatistics.Median(encodeSeconds),
            BenchStatistics.Median(decodeSeconds),
            file,
            file.Length * 8.0 / image.PixelCount,
            ImageQuality.Psnr(image, decoded),
            peer is null ? null : new PeerBenchmarkResult(BenchStatistics.Median(peerEncodeSeconds), BenchStatistics.Median(peerDecodeSeconds), peer.PsnrDb()));
    }

    /// <summary>Times <paramref name="runs"/> rounds of <paramref name="nic"/> and, where given, <paramref name="peer"/> right after it in the same round.</summary>
    private static (List<double> Nic, List<double> Peer) InTurns(string stage, int runs, Action nic, Action? peer, Action<string>? progress)
    {
        var nicSeconds = new List<double>();
        var peerSeconds = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            progress?.Invoke($"{stage} {run + 1}/{runs}");
            var watch = Stopwatch.StartNew();
            nic();
            nicSeconds.Add(watch.Elapsed.TotalSeconds);
            if (peer is not null)
            {
                progress?.Invoke($"{stage} {run + 1}/{runs}, peer");
                watch.Restart();
                peer();
                peerSeconds.Add(watch.Elapsed.TotalSeconds);
            }
        }

        return (nicSeconds, peerSeconds);
    }
}
