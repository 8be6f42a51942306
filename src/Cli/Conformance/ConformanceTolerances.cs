namespace Nic.Cli.Conformance;

/// <summary>
/// How close a decoded image must be to the expected one: the reference (managed) decoder exactly; any other backend
/// within <see cref="OtherBackendMaxAbsoluteError"/> per 8-bit sample and at or above <see cref="OtherBackendMinPsnrDb"/>.
/// Symbols are always compared exactly.
/// </summary>
internal sealed record ConformanceTolerances(int ReferenceMaxAbsoluteError, int OtherBackendMaxAbsoluteError, double OtherBackendMinPsnrDb)
{
    /// <summary>The policy of design rule 1: exact for the reference, 1 and 50 dB for other backends.</summary>
    public static ConformanceTolerances Default { get; } = new(0, 1, 50);
}
