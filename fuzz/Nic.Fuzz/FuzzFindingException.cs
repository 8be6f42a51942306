namespace Nic.Fuzz;

/// <summary>Thrown by a fuzz target when an input breaks one of its checks (an inconsistency rather than an exception of the SDK).</summary>
internal sealed class FuzzFindingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which check failed and how.</param>
    public FuzzFindingException(string message)
        : base(message)
    {
    }
}
