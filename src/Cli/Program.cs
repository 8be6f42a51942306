using Nic.Cli;

return NicCommandLine.CreateRoot().Parse(args).Invoke();
