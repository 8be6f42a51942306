namespace Nic.Cli.Bench;

/// <summary>The figures of <see cref="CodecBenchmark.Run"/>: median seconds, the file, bits per pixel and RGB PSNR.</summary>
internal sealed record CodecBenchmarkResult(double EncodeSeconds, double DecodeSeconds, byte[] File, double BitsPerPixel, double PsnrDb);
