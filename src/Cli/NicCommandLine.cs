using System.CommandLine;
using Nic.Cli.Commands;

namespace Nic.Cli;

/// <summary>The <c>nic</c> command tree, shared by the program and its tests.</summary>
internal static class NicCommandLine
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("nic — learned image compression: encode and decode images, inspect .nic files, list and train models, evaluate and benchmark the codec.");
        root.Subcommands.Add(EncodeCommand.Create());
        root.Subcommands.Add(DecodeCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ConformanceCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        return root;
    }
}
