namespace Nic.Cli.Bench;

/// <summary>The figures of one scale-index range of <c>nic bench coder</c>.</summary>
internal sealed record CoderBenchmarkResult(
    string Range,
    int Symbols,
    double EncodeMsymS,
    double DecodeMsymS,
    double BitsPerSymbol,
    double IdealBitsPerSymbol,
    double OverheadPct);
