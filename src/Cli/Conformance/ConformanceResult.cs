namespace Nic.Cli.Conformance;

/// <summary>The outcome of one case: passed or not, why, and for golden cases the largest sample error and the PSNR.</summary>
internal sealed record ConformanceResult(string Name, string Kind, bool Passed, string Detail, int? MaxError = null, double? PsnrDb = null);
