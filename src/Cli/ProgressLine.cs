using System.Diagnostics;
using System.Globalization;

namespace Nic.Cli;

/// <summary>
/// One progress line for long work on standard error: redrawn in place on a terminal at most ten times a second,
/// silent when standard error is redirected (logs and scripts get the result line only).
/// </summary>
internal sealed class ProgressLine(TextWriter error, string label)
{
    private readonly bool _interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private long _lastDrawn = -1000;
    private bool _drawn;

    /// <summary>Shows <paramref name="done"/> of <paramref name="total"/> <paramref name="unit"/>.</summary>
    public void Report(long done, long total, string unit)
    {
        long now = _watch.ElapsedMilliseconds;
        if (!_interactive || (now - _lastDrawn < 100 && done < total))
        {
            return;
        }

        _lastDrawn = now;
        _drawn = true;
        double fraction = total > 0 ? (double)done / total : 1;
        error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{label}: {done:N0}/{total:N0} {unit} ({fraction:P0}), {_watch.Elapsed.TotalSeconds:F1} s   "));
    }

    /// <summary>Shows what is being done now.</summary>
    public void Status(string text)
    {
        if (_interactive)
        {
            _drawn = true;
            error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{label}: {text}, {_watch.Elapsed.TotalSeconds:F1} s          "));
        }
    }

    /// <summary>Clears the line.</summary>
    public void Finish()
    {
        if (_drawn)
        {
            error.Write("\r" + new string(' ', 72) + "\r");
            _drawn = false;
        }
    }
}
