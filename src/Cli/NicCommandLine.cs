using System.CommandLine;
using Nic.Cli.Commands;

namespace Nic.Cli;

/// <summary>The <c>nic</c> command tree, shared by the program, its tests and <c>nic-torch</c> (which adds to it).</summary>
internal static class NicCommandLine
{
    /// <summary>The codec tool: encode, decode, info, models, eval, conformance, bench and batch, on the managed engine.</summary>
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
        CommandExamples.Add(root, "nic encode photo.png -o photo.nic", "nic decode photo.nic -o photo.png", "nic <command> --help");
        foreach (Command command in root.Subcommands)
        {
            AddExamples(command, command.Name);
        }

        return root;
    }

    /// <summary>The example lines of the commands that do not add their own (encode and decode do).</summary>
    private static readonly Dictionary<string, string[]> Examples = new()
    {
        ["info"] = ["nic info photo.nic --json", "nic encode photo.png -o - | nic info -"],
        ["models"] = ["nic models --json"],
        ["eval"] = ["nic eval --splits validation,textured --plot rd.png", "nic eval photos/ --downscale 2 --codecs jpeg,webp --json"],
        ["conformance"] = ["nic conformance conformance/"],
        ["conformance generate"] = ["nic conformance generate conformance/"],
        ["bench"] = ["nic bench codec samples/seeding.png --json"],
        ["bench coder"] = ["nic bench coder --json"],
        ["bench transforms"] = ["nic bench transforms"],
        ["bench codec"] = ["nic bench codec samples/seeding.png --json"],
        ["bench parallel"] = ["nic bench parallel samples/seeding.png --tasks 1,2,32"],
        ["batch"] = ["nic batch encode photos/ -o encoded/ --shard 0/4"],
        ["batch encode"] = ["nic batch encode photos/ -o encoded/ --quality 5 --shard 0/4", "JOB_COMPLETION_INDEX=2 nic batch encode manifest.jsonl -o encoded/ --shards 8"],
        ["batch decode"] = ["nic batch decode encoded/ -o decoded/ --shard 1/4"],
    };

    private static void AddExamples(Command command, string path)
    {
        if (Examples.TryGetValue(path, out string[]? examples))
        {
            CommandExamples.Add(command, examples);
        }

        foreach (Command sub in command.Subcommands)
        {
            AddExamples(sub, $"{path} {sub.Name}");
        }
    }
}
