using System.CommandLine;
using Nic.Cli.Commands;

namespace Nic.Cli;

/// <summary>The <c>nic</c> command tree, shared by the program and its tests.</summary>
internal static class NicCommandLine
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("nic — learned image compression: inspect .nic files and benchmark the codec.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
