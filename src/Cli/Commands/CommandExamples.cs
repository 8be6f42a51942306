using System.CommandLine;

namespace Nic.Cli.Commands;

/// <summary>Adds example lines to a command's description, which <c>--help</c> prints.</summary>
internal static class CommandExamples
{
    /// <summary>Appends "Examples:" and <paramref name="examples"/>, one a line, to the description of <paramref name="command"/>.</summary>
    public static void Add(Command command, params string[] examples)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Description = $"{command.Description}\n\n{(examples.Length == 1 ? "Example" : "Examples")}:\n{string.Join("\n", examples.Select(e => "  " + e))}";
    }
}
