using System.CommandLine;
using Nic.Torch.Cli;

namespace Nic.Cli.Tests;

/// <summary>Runs the real <c>nic</c> (or <c>nic-torch</c>) command tree in-process and captures its output.</summary>
internal static class CliRunner
{
    /// <summary>Runs <c>nic ARGS</c>.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args) => Invoke(NicCommandLine.CreateRoot(), args);

    /// <summary>Runs <c>nic-torch ARGS</c>: nic's commands with the TorchSharp backend, training and import.</summary>
    public static (int ExitCode, string Output, string Error) RunTorch(params string[] args) => Invoke(NicTorchCommandLine.CreateRoot(), args);

    private static (int ExitCode, string Output, string Error) Invoke(RootCommand root, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
