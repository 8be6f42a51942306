namespace Nic.Cli.Eval;

/// <summary>An external program could not be started or reported failure; the message carries its standard error.</summary>
internal sealed class ExternalToolException : Exception
{
    /// <summary>Creates the exception for <paramref name="tool"/>.</summary>
    public ExternalToolException(string tool, int? exitCode, string standardError, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Tool = tool;
        ExitCode = exitCode;
        StandardError = standardError;
    }

    /// <summary>The program's name.</summary>
    public string Tool { get; }

    /// <summary>The exit status; null when the program did not start.</summary>
    public int? ExitCode { get; }

    /// <summary>What the program wrote to standard error (empty when it did not start).</summary>
    public string StandardError { get; }
}
