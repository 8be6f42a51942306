using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Nic.Codec.Diagnostics;
using Nic.Service;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// The codec as a service: the DI-registered NicCodec behind a minimal API (see the README's "The codec as a service").
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

builder.Services.AddNeuralImageCodec(builder.Configuration.GetSection("Nic"));
builder.Services.AddOptions<ServiceOptions>()
    .Bind(builder.Configuration.GetSection(ServiceOptions.Section))
    .Validate(options => !options.Validate().Any(), "invalid Service settings")
    .ValidateOnStart();
builder.Services.AddOptions<KestrelServerOptions>()
    .Configure<IOptions<ServiceOptions>>((kestrel, service) => kestrel.Limits.MaxRequestBodySize = service.Value.MaxUploadBytes);
builder.Services.AddSingleton<ImageStore>();
builder.Services.AddSingleton<UploadDecoder>();
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
app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
