using Microsoft.Extensions.Options;

namespace Nic.Service;

/// <summary>
/// Bounds how many uploads are decoded and encoded, and how many PNG downloads decoded, at once
/// (<see cref="ServiceOptions.MaxConcurrentOperations"/>); the others wait their turn asynchronously. Each codec call
/// already spreads over every processor, and requests beyond that would only take thread-pool threads from the I/O of
/// the others (with 32 unbounded uploads on 2 cores, request bodies stall until Kestrel's minimum data rate ends them).
/// </summary>
public sealed class OperationGate : IDisposable
{
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the gate with the configured number of slots.</summary>
    public OperationGate(IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Slots = options.Value.MaxConcurrentOperations ?? Environment.ProcessorCount;
        _slots = new SemaphoreSlim(Slots, Slots);
    }

    /// <summary>The number of operations that run at once.</summary>
    public int Slots { get; }

    /// <summary>Waits for a slot; disposing the result gives it back.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    /// <inheritdoc/>
    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
