using System.CommandLine;
using Nic.Cli.Commands;

namespace Nic.Cli;

/// <summary>The <c>nic</c> command tree, shared by the program, its tests and <c>nic-torch</c> (which adds to it).</summary>
internal static class NicCommandLine
{
    /// <summary>The codec tool: encode, decode, info, models, eval, conformance and bench, on the managed engine.</summary>
    public static RootCommand CreateRoot() => CreateRoot(
        "nic — learned image compression: encode and decode images, inspect .nic files, list models, evaluate and benchmark the codec.",
        TransformBackends.ManagedOnly);

    /// <summary>The same commands with <paramref name="backends"/> for <c>--backend</c>.</summary>
    public static RootCommand CreateRoot(string description, TransformBackends backends)
    {
        var root = new RootCommand(description);
        root.Subcommands.Add(EncodeCommand.Create(backends));
        root.Subcommands.Add(DecodeCommand.Create(backends));
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(EvalCommand.Create(backends));
        root.Subcommands.Add(ConformanceCommand.Create(backends));
        root.Subcommands.Add(BenchCommand.Create(backends));
        root.Subcommands.Add(BatchCommand.Create(backends));
        return root;
    }
}
