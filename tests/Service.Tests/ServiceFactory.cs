using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Nic.Service.Tests;

/// <summary>The sample service in memory, storing into a directory of its own that is deleted afterwards.</summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceFactory()
        : this([])
    {
    }

    internal ServiceFactory(Dictionary<string, string?> settings)
    {
        StorageDirectory = Directory.CreateTempSubdirectory("nic-service-").FullName;
        _settings = settings;
    }

    public string StorageDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Service:StorageDirectory", StorageDirectory);
        builder.UseSetting("Service:ConsoleTelemetry", "false");
        foreach ((string key, string? value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(StorageDirectory))
        {
            Directory.Delete(StorageDirectory, recursive: true);
        }
    }
}
