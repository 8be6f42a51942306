namespace Nic.Torch.Native;

/// <summary>
/// A start-up step that runs at most once per process, whoever calls it first and from whatever thread, and keeps a
/// one-line summary of what it did for later error messages.
/// </summary>
/// <param name="run">The step: given where to log, returns its summary.</param>
internal sealed class OncePerProcess(Func<Action<string>, string> run)
{
    private readonly Lock _gate = new();
    private string? _summary;

    /// <summary>What the step did: null before it has run.</summary>
    public string? Summary
    {
        get
        {
            lock (_gate)
            {
                return _summary;
            }
        }
    }

    /// <summary>Runs the step unless it has run; later calls return at once.</summary>
    public void Apply(Action<string> log)
    {
        lock (_gate)
        {
            _summary ??= run(log);
        }
    }
}
