using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Nic.Codec.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Nic.Service;

/// <summary>Builds the service: the codec from the <c>"Nic"</c> section, the service's settings from <c>"Service"</c>, the endpoints.</summary>
public static class ServiceHost
{
    /// <summary>Builds the application (not started).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.Services.AddNeuralImageCodec(builder.Configuration.GetSection("Nic"));
        builder.Services.AddOptions<ServiceOptions>()
            .Bind(builder.Configuration.GetSection(ServiceOptions.Section))
            .Validate(options => !options.Validate().Any(), "invalid Service settings")
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<ServiceOptions>>((kestrel, service) => kestrel.Limits.MaxRequestBodySize = service.Value.MaxUploadBytes);
        builder.Services.AddSingleton<ImageStore>();
        builder.Services.AddSingleton<UploadDecoder>();
        builder.Services.AddSingleton<OperationGate>();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks()
            .AddCheck<CodecHealthCheck>("codec")
            .AddCheck<StorageHealthCheck>("storage");

        if (builder.Configuration.GetValue<bool>($"{ServiceOptions.Section}:{nameof(ServiceOptions.ConsoleTelemetry)}"))
        {
            builder.Services.AddOpenTelemetry()
                .WithMetrics(metrics => metrics
                    .AddMeter(NicCodecTelemetry.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                    .AddConsoleExporter())
                .WithTracing(tracing => tracing
                    .AddSource(NicCodecTelemetry.ActivitySourceName, "Microsoft.AspNetCore")
                    .AddConsoleExporter());
        }

        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapImageEndpoints();
        app.MapHealthChecks("/healthz");
        return app;
    }
}
