using System.CommandLine;
using Nic.Cli;

// Ctrl-C (SIGINT) cancels the running command's token; a long command (a training step, a large decode) then gets up
// to a minute to finish its step and write what it must (a checkpoint) before the process ends.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(1) };
return await NicCommandLine.CreateRoot().Parse(args).InvokeAsync(configuration);
