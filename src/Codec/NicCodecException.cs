namespace Nic.Codec;

/// <summary>
/// The exception raised by the codec for malformed entropy payloads, CDFs and symbols. It always carries a
/// stable <see cref="Error"/> code and, where one applies, the position of the symbol that failed.
/// </summary>
public sealed class NicCodecException : Exception
{
    /// <summary>Creates an exception with a code, a message and the failing symbol position (or −1).</summary>
    public NicCodecException(NicCodecError error, string message, long position = -1)
        : base(FormatMessage(error, message, position))
    {
        Error = error;
        Position = position;
    }

    /// <summary>The stable error code.</summary>
    public NicCodecError Error { get; }

    /// <summary>The stable error name, e.g. <c>EntropyPayloadCorrupt</c>.</summary>
    public string ErrorCode => Error.ToString();

    /// <summary>The index of the symbol being coded when the error was detected, or −1 when none applies.</summary>
    public long Position { get; }

    private static string FormatMessage(NicCodecError error, string message, long position) =>
        position >= 0 ? $"{error} at symbol {position}: {message}" : $"{error}: {message}";
}
