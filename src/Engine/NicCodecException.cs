using Nic.Format;

namespace Nic.Codec;

/// <summary>
/// The exception raised by the codec for malformed entropy payloads, CDFs and symbols. It always carries a
/// stable <see cref="Error"/> code (its name is <see cref="NicException.ErrorCode"/>) and, where one applies, the
/// position of the symbol that failed.
/// </summary>
public sealed class NicCodecException : NicException
{
    /// <summary>Creates an exception with a code, a message and the failing symbol position (or −1).</summary>
    /// <param name="error">The stable error code.</param>
    /// <param name="message">A human-readable description.</param>
    /// <param name="position">The index of the symbol being coded, or −1.</param>
    public NicCodecException(NicCodecError error, string message, long position = -1)
        : base(error.ToString(), FormatMessage(error, message, position))
    {
        Error = error;
        Position = position;
    }

    /// <summary>The stable error code.</summary>
    public NicCodecError Error { get; }

    /// <summary>The index of the symbol being coded when the error was detected, or −1 when none applies.</summary>
    public long Position { get; }

    private static string FormatMessage(NicCodecError error, string message, long position) =>
        position >= 0 ? $"{error} at symbol {position}: {message}" : $"{error}: {message}";
}
