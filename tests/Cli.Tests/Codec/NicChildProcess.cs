using System.Diagnostics;
using System.Globalization;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// Runs the real <c>nic</c> tool (nic.dll next to the tests) in a child process, so that a test can interrupt it with a
/// signal as a terminal's Ctrl-C would, and reads what Linux says about it under /proc.
/// </summary>
internal static class NicChildProcess
{
    /// <summary>Starts <c>dotnet nic.dll</c> with <paramref name="arguments"/>, standard output and error redirected.</summary>
    public static Process Start(params string[] arguments) => Start(redirectInput: false, workingDirectory: null, arguments);

    /// <summary>
    /// Starts <c>dotnet nic.dll</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/> (null: this
    /// process's), standard output and error redirected and, when <paramref name="redirectInput"/>, standard input too.
    /// </summary>
    public static Process Start(bool redirectInput, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(SigintIgnored() ? "/usr/bin/env" : DotnetHost())
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        if (SigintIgnored())
        {
            // A child inherits an ignored SIGINT (a test run started in the background has one), and .NET then leaves
            // it ignored; the default disposition is restored so that the tool installs its Ctrl-C handler.
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(DotnetHost());
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nic.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the nic child process did not start");
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) to <paramref name="process"/>; false when the process is gone.</summary>
    public static bool Interrupt(Process process)
    {
        var start = new ProcessStartInfo("kill") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-INT");
        start.ArgumentList.Add(process.Id.ToString(CultureInfo.InvariantCulture));
        using Process kill = Process.Start(start) ?? throw new InvalidOperationException("kill did not start");
        kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    /// <summary>The CPU time the process has used (user + system), from /proc/PID/stat.</summary>
    public static TimeSpan CpuTime(Process process)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{process.Id}/stat");

            // Fields after the command name (which is in parentheses and may hold spaces); utime and stime are the 14th and 15th.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Whether the process has <paramref name="path"/> open (a file descriptor under /proc/PID/fd links to it).</summary>
    public static bool HasOpen(Process process, string path)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{process.Id}/fd").Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>Whether this process ignores SIGINT (bit 1 of SigIgn in /proc/self/status).</summary>
    private static bool SigintIgnored()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0b10) != 0;
    }
}
