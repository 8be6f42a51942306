namespace Nic.Cli.Bench;

/// <summary>The figures of <see cref="CodecBenchmark.Run"/>: median seconds, the file, bits per pixel and RGB PSNR.</summary>
internal sealed record CodecBenchmarkResult(double EncodeSeconds, double DecodeSeconds, byte[] File, double BitsPerPixel, double PsnrDb, PeerBenchmarkResult? Peer = null)
{
    /// <summary>The median seconds of each stage of an encode, by activity name (<c>nic.analysis</c> …), in running order.</summary>
    public IReadOnlyDictionary<string, double> EncodeStages { get; init; } = new Dictionary<string, double>();

    /// <summary>The median seconds of a decode's opening (<c>nic.open</c>: header, metadata, ẑ and h_s).</summary>
    public IReadOnlyDictionary<string, double> DecodeStages { get; init; } = new Dictionary<string, double>();
}

/// <summary>The peer's median seconds of its transforms (<see cref="TransformPeer"/>) and its reconstruction's PSNR.</summary>
internal sealed record PeerBenchmarkResult(double EncodeSeconds, double DecodeSeconds, double PsnrDb);
