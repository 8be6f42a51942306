using System.Diagnostics;

namespace Nic.Fuzz;

/// <summary>
/// Ends the process when one execution runs longer than the hang limit: the input is saved as a hang and the
/// process exits with code 1 (an execution cannot be stopped from outside, and a hang is a finding anyway).
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly TimeSpan _limit;
    private readonly FindingStore _findings;
    private readonly TextWriter _output;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private byte[]? _input;
    private long _started;
    private bool _stopped;

    /// <summary>Starts watching.</summary>
    public Watchdog(TimeSpan limit, FindingStore findings, TextWriter output)
    {
        _limit = limit;
        _findings = findings;
        _output = output;
        _thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
        _thread.Start();
    }

    /// <summary>The longest execution so far.</summary>
    public TimeSpan Slowest { get; private set; }

    /// <summary>Runs one input through the target under watch.</summary>
    /// <returns>The outcome, or the exception that escaped (a finding).</returns>
    public (string? Outcome, Exception? Finding) Run(FuzzTarget target, byte[] input)
    {
        lock (_gate)
        {
            _input = input;
            _started = Stopwatch.GetTimestamp();
        }

        try
        {
            return (target.Execute(input), null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
        finally
        {
            lock (_gate)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(_started);
                Slowest = elapsed > Slowest ? elapsed : Slowest;
                _input = null;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
        }
    }

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(100);
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                if (_input is not null && Stopwatch.GetElapsedTime(_started) is var elapsed && elapsed > _limit)
                {
                    string path = _findings.AddHang(_input, elapsed);
                    _output.WriteLine($"FINDING (hang): an execution has run for {elapsed.TotalSeconds:F1} s; input saved to {path}");
                    _output.Flush();
                    Environment.Exit(1);
                }
            }
        }
    }
}
