using System.Diagnostics;
using System.Globalization;

namespace Nic.Cli.Bench;

/// <summary>Peak memory of this process, and running this program again as a child to measure one task on its own.</summary>
internal static class PeakMemory
{
    /// <summary>The process's peak resident memory in MiB: Linux VmHWM, elsewhere the peak working set.</summary>
    public static double ResidentMegabytes()
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }

        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>
    /// Runs <c>nic</c> with <paramref name="arguments"/> in a child process, which prints its peak memory in MiB as its
    /// only output; null (with a warning) when the child cannot run or fails.
    /// </summary>
    public static double? MeasureInChild(IEnumerable<string> arguments, TextWriter error)
    {
        string? executable = Environment.ProcessPath;
        if (executable is null)
        {
            error.WriteLine("warning: cannot find this program's path; peak memory not measured");
            return null;
        }

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(executable).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(PeakMemory).Assembly.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("the peak-memory child process did not start");
        string text = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0 || !double.TryParse(text.Trim(), CultureInfo.InvariantCulture, out double megabytes))
        {
            error.WriteLine($"warning: the peak-memory child process failed (exit {child.ExitCode}); peak memory not measured");
            return null;
        }

        return megabytes;
    }
}
