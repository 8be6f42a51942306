using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Format;

namespace Nic.Cli.Commands;

/// <summary>Turns the errors of the codec commands into one line on standard error and an exit code (<see cref="ExitCodes"/>).</summary>
internal static class CommandErrors
{
    /// <summary>Whether <paramref name="exception"/> is one the commands report rather than crash on.</summary>
    public static bool IsReported(Exception exception) => exception is NicException or ImageFileException or OperationCanceledException
        or IOException or UnauthorizedAccessException;

    /// <summary>Writes the message and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter error)
    {
        switch (exception)
        {
            case OperationCanceledException:
                error.WriteLine("interrupted; no output was written");
                return ExitCodes.Cancelled;
            case NicFormatException format:
                error.WriteLine($"error: {format.ErrorCode} at byte {format.Offset}: {format.Detail}");
                return ExitCodes.InvalidData;
            case NicCodecException { Error: NicCodecError.UnknownModel or NicCodecError.ModelHashMismatch or NicCodecError.ModelNotFound } model:
                error.WriteLine($"error: {model.Message}");
                return ExitCodes.ModelUnavailable;
            case NicException codec:
                error.WriteLine($"error: {codec.Message}");
                return ExitCodes.InvalidData;
            case ImageFileException image:
                error.WriteLine($"error: {image.Message}");
                return ExitCodes.InvalidData;
            default:
                error.WriteLine($"error: {exception.Message}");
                return ExitCodes.UsageOrFile;
        }
    }
}
