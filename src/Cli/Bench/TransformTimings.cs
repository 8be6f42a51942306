using Nic.Codec.Inference;

namespace Nic.Cli.Bench;

/// <summary>Median seconds of each transform, and of each layer, for one arithmetic and thread count.</summary>
internal sealed record TransformTimings(
    ManagedArithmetic Arithmetic,
    int Threads,
    double AnalysisSeconds,
    double HyperAnalysisSeconds,
    double HyperSynthesisSeconds,
    double SynthesisSeconds,
    IReadOnlyList<LayerTiming> Layers);

/// <summary>One layer's median seconds and its multiply-adds (<see cref="LayerProfiler.MultiplyAdds"/>).</summary>
internal sealed record LayerTiming(string Name, string Kind, long MultiplyAdds, double Seconds)
{
    /// <summary>Achieved multiply-adds per second.</summary>
    public double MultiplyAddsPerSecond => Seconds > 0 ? MultiplyAdds / Seconds : 0;
}
