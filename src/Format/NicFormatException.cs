using System.Globalization;

namespace Nic.Format;

/// <summary>
/// Thrown when a <c>.nic</c> container is malformed, truncated or exceeds a limit.
/// </summary>
public sealed class NicFormatException : NicException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">The error code.</param>
    /// <param name="offset">The byte offset, from the start of the file, of the offending structure.</param>
    /// <param name="detail">What is wrong, in words.</param>
    public NicFormatException(NicFormatError error, long offset, string detail)
        : base(error.ToString(), string.Create(CultureInfo.InvariantCulture, $"{error} at byte {offset}: {detail}"))
    {
        Error = error;
        Offset = offset;
        Detail = detail;
    }

    /// <summary>The error code.</summary>
    public NicFormatError Error { get; }

    /// <summary>The byte offset, from the start of the file, of the offending structure.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, in words, without the code and offset.</summary>
    public string Detail { get; }
}
