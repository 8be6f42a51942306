namespace Nic.Cli.Conformance;

/// <summary>One case of the suite. Paths are relative to the suite directory.</summary>
/// <param name="Name">A unique name.</param>
/// <param name="Kind">"golden" (must decode to the expected output) or "invalid" (must fail with the expected error).</param>
/// <param name="Description">What the case covers.</param>
/// <param name="Stream">The .nic file.</param>
/// <param name="ExpectedImage">Golden: the expected decoded image (PNG, from the reference managed decoder).</param>
/// <param name="ExpectedHeader">Golden: the expected header and metadata as JSON.</param>
/// <param name="SymbolsSha256">Golden: SHA-256 of every decoded z and y symbol, int32 little-endian in coding order.</param>
/// <param name="ExpectedError">Invalid: the error code a decoder must report (spec/nic-format.md §9, spec/nic-coding.md §8, §11.6).</param>
/// <param name="ExpectedOffset">Invalid, container errors: the byte offset reported with it.</param>
internal sealed record ConformanceCase(
    string Name,
    string Kind,
    string Description,
    string Stream,
    string? ExpectedImage = null,
    string? ExpectedHeader = null,
    string? SymbolsSha256 = null,
    string? ExpectedError = null,
    long? ExpectedOffset = null)
{
    public const string Golden = "golden";

    public const string Invalid = "invalid";
}
