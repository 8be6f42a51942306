using System.CommandLine;
using Nic.Cli;
using Nic.Cli.Commands;
using Nic.Torch.Cli.Commands;
using Nic.Torch.Inference;

namespace Nic.Torch.Cli;

/// <summary>
/// The <c>nic-torch</c> command tree: <c>nic</c>'s (<see cref="NicCommandLine"/>) with the TorchSharp backend for
/// <c>--backend torch</c> and the latent optimizer for <c>--effort</c> above 1, plus <c>train</c>, <c>models import</c>, <c>bench train</c> and <c>bench effort</c>, which need libtorch.
/// </summary>
internal static class NicTorchCommandLine
{
    public static RootCommand CreateRoot()
    {
        RootCommand root = NicCommandLine.CreateRoot(
            "nic-torch — every nic command, with the TorchSharp backend (--backend torch), plus training models and importing PyTorch state dicts.",
            new TransformBackends(Torch: threads => new TorchBackendFactory(threads: threads), LatentOptimizer: () => new TorchLatentOptimizer()));
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(MnistShowCommand.Create());
        root.Subcommands.Add(MnistRdCommand.Create());
        root.Subcommands.Add(BitsBackCommand.Create());
        Subcommand(root, "models").Subcommands.Add(ModelsImportCommand.Create());
        Subcommand(root, "bench").Subcommands.Add(BenchTrainCommand.Create());
        Subcommand(root, "bench").Subcommands.Add(BenchEffortCommand.Create());
        return root;
    }

    private static Command Subcommand(Command parent, string name) =>
        parent.Subcommands.Single(c => c.Name == name);
}
