namespace Nic.Cli;

/// <summary>The exit codes of every <c>nic</c> command; scripts may rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad options, or a file that cannot be read or written.</summary>
    public const int UsageOrFile = 1;

    /// <summary>
    /// Damaged or unsupported input: a .nic file that fails the format or the entropy decoder, or one beyond the decoder's
    /// limits (<c>ResourceLimitExceeded</c>); an undecodable image.
    /// </summary>
    public const int InvalidData = 2;

    /// <summary>The model asked for, or the one a .nic file needs, is not installed or differs.</summary>
    public const int ModelUnavailable = 3;

    /// <summary>Stopped by Ctrl-C or SIGTERM; no partial output file is left.</summary>
    public const int Cancelled = 130;
}
