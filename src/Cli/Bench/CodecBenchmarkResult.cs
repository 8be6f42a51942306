namespace Nic.Cli.Bench;

/// <summary>The figures of <see cref="CodecBenchmark.Run"/>: median seconds, the file, bits per pixel and RGB PSNR.</summary>
internal sealed record CodecBenchmarkResult(double EncodeSeconds, double DecodeSeconds, byte[] File, double BitsPerPixel, double PsnrDb, PeerBenchmarkResult? Peer = null);

/// <summary>The peer's median seconds of its transforms (<see cref="TransformPeer"/>) and its reconstruction's PSNR.</summary>
internal sealed record PeerBenchmarkResult(double EncodeSeconds, double DecodeSeconds, double PsnrDb);
