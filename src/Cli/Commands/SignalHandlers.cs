using System.Runtime.CompilerServices;

namespace Nic.Cli.Commands;

/// <summary>
/// System.CommandLine installs its Ctrl-C (SIGINT) and SIGTERM handlers only once an asynchronous action has handed
/// back its task, that is at the action's first await that does not complete at once. A command can run to its end
/// without such an await (a decode from a local file does), and a Ctrl-C before it would end the process on the spot:
/// no cancellation, no message, no exit code 130. An action that awaits <see cref="InstalledAsync"/> first hands its
/// task back at once, so the handlers are in place for all of its work.
/// </summary>
internal static class SignalHandlers
{
    /// <summary>Continues the action on the thread pool, after its task has been handed back.</summary>
    public static YieldAwaitable InstalledAsync() => Task.Yield();
}
