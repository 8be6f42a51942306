using Nic.Codec;
using Nic.Format;

namespace Nic.Fuzz;

/// <summary>
/// Which exceptions end an input acceptably (design rule 2): a <see cref="NicFormatException"/> whose code is one of
/// <see cref="NicFormatError"/> and whose offset lies inside the input, or a <see cref="NicCodecException"/> whose code
/// is one of <see cref="NicCodecError"/> and among the codes the target can legitimately meet. Everything else —
/// another exception type, an undefined code, an offset outside the input, a codec code the target should never
/// see — is a finding.
/// </summary>
internal static class Outcomes
{
    /// <summary>The outcome text of an acceptable exception, or null when the exception is a finding.</summary>
    /// <param name="exception">The exception the SDK threw.</param>
    /// <param name="inputLength">The length of the input, which bounds a container error's offset.</param>
    /// <param name="codecErrors">The codec errors the target accepts.</param>
    public static string? Describe(Exception exception, long inputLength, IReadOnlyCollection<NicCodecError> codecErrors) =>
        exception switch
        {
            NicFormatException f when Enum.IsDefined(f.Error) && f.ErrorCode == f.Error.ToString() && f.Offset >= 0 && f.Offset <= inputLength
                => $"{f.Error}@{f.Offset}",
            NicCodecException c when Enum.IsDefined(c.Error) && c.ErrorCode == c.Error.ToString() && codecErrors.Contains(c.Error)
                => c.Error.ToString(),
            _ => null,
        };
}
