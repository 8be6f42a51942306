namespace Nic.Cli.Bench;

/// <summary>Median seconds of each transform for one thread count.</summary>
internal sealed record TransformTimings(int Threads, double AnalysisSeconds, double HyperAnalysisSeconds, double HyperSynthesisSeconds, double SynthesisSeconds);
