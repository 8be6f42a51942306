namespace Nic.Format;

/// <summary>
/// The base of every exception the Nic SDK throws for bad input. Each carries a stable,
/// documented error code that callers can branch on and log.
/// </summary>
public abstract class NicException : Exception
{
    /// <summary>Creates an exception with a stable error code and a message.</summary>
    /// <param name="errorCode">The stable name of the error, for example <c>BadChecksum</c>.</param>
    /// <param name="message">A human-readable description.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    protected NicException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
    }

    /// <summary>The stable name of the error (never changes between versions).</summary>
    public string ErrorCode { get; }
}
