using System.ComponentModel;
using System.Diagnostics;

namespace Nic.Cli.Eval;

/// <summary>Finds command-line programs on the PATH and runs them without a shell, arguments passed one by one.</summary>
internal static class ExternalTool
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Whether an executable file named <paramref name="tool"/> (plus an extension of PATHEXT on Windows) is in a folder of the PATH.</summary>
    public static bool IsOnPath(string tool)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] extensions = OperatingSystem.IsWindows()
            ? ["", .. (Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';', StringSplitOptions.RemoveEmptyEntries)]
            : [""];
        foreach (string folder in folders)
        {
            foreach (string extension in extensions)
            {
                string candidate = Path.Combine(folder, tool + extension);
                if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & AnyExecute) != 0))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Runs <paramref name="tool"/> with <paramref name="arguments"/> to completion, standard input closed and both
    /// output streams captured; cancelling kills the process and its children.
    /// </summary>
    /// <returns>The wall-clock time from start to exit.</returns>
    /// <exception cref="ExternalToolException">The program is not found or exits with a status other than 0.</exception>
    public static async Task<TimeSpan> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        long started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (Win32Exception startFailure)
        {
            throw new ExternalToolException(tool, null, "", $"{tool} could not be started ({startFailure.Message}); is it installed and on the PATH?", startFailure);
        }

        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> standardErrorText = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        string standardError = (await standardErrorText.ConfigureAwait(false)).Trim();
        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            string detail = standardError.Length > 0 ? standardError : "(nothing on standard error)";
            throw new ExternalToolException(tool, process.ExitCode, standardError, $"{tool} {string.Join(' ', arguments)} failed with exit status {process.ExitCode}: {detail}");
        }

        return elapsed;
    }
}
