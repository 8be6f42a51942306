using Nic.Service;

// The codec as a service: the DI-registered NicCodec behind a minimal API (see the README's "The codec as a service").
// `--bench IMAGE [--clients 1,32] [--requests N] [--quality Q]` measures uploads per second on 127.0.0.1 instead.
if (args is ["--bench", ..])
{
    return await ServiceBench.RunAsync(args[1..]);
}

WebApplication app = ServiceHost.Build(args);
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
