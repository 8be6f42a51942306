using System.CommandLine;
using Nic.Torch.Cli;

// As nic's Program: Ctrl-C cancels the running command's token, and a training step then gets up to a minute to write
// its checkpoint before the process ends.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(1) };
return await NicTorchCommandLine.CreateRoot().Parse(args).InvokeAsync(configuration);
