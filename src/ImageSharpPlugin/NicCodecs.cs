using Nic.Codec;

namespace Nic.ImageSharp;

/// <summary>The codec a plugin object uses when it is given none, and the bridge from ImageSharp's synchronous calls to the codec's asynchronous ones.</summary>
internal static class NicCodecs
{
    private static readonly Lazy<NicCodec> Shared = new(() => new NicCodec());

    /// <summary>One shared instance over the shipped models.</summary>
    public static NicCodec Default => Shared.Value;

    /// <summary>
    /// Waits for an asynchronous codec call from a synchronous ImageSharp entry point. Under a synchronization context
    /// (a UI thread) the call runs on the thread pool, so that a continuation waiting for that context cannot deadlock.
    /// </summary>
    public static T RunSynchronously<T>(Func<Task<T>> call) =>
        SynchronizationContext.Current is null && TaskScheduler.Current == TaskScheduler.Default
            ? call().GetAwaiter().GetResult()
            : Task.Run(call).GetAwaiter().GetResult();
}
