namespace Nic.Torch.Models;

/// <summary>
/// How an exported model file stores the parameters (spec/nic-model.md §2.2): every tensor §4 declares <c>F32</c>
/// except the Gaussian conditional's <c>scale_table</c>, which stays binary32 (§2.2, §6.2). The integer tables are
/// <c>I32</c> either way.
/// </summary>
public enum ParameterPrecision
{
    /// <summary>IEEE-754 binary32 (<c>F32</c>), exactly the values the model holds.</summary>
    Float32,

    /// <summary>
    /// IEEE-754 binary16 (<c>F16</c>), half the size: the parameters are rounded to binary16 first (to nearest, ties to
    /// even) and the entropy bottleneck's tables are built from the rounded values.
    /// </summary>
    Float16,
}
