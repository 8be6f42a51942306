using Microsoft.Extensions.Diagnostics.HealthChecks;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Format;

namespace Nic.Service;

/// <summary>Healthy when the codec's default model (and rate point) is in the catalog.</summary>
public sealed class CodecHealthCheck(NicCodec codec) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            NicModelEntry model = codec.ResolveModel();
            return Task.FromResult(HealthCheckResult.Healthy($"default model {model.Name} on {codec.Backend}"));
        }
        catch (NicException exception)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"{exception.ErrorCode}: {exception.Message}"));
        }
    }
}

/// <summary>Healthy when the storage directory exists.</summary>
public sealed class StorageHealthCheck(ImageStore store) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Directory.Exists(store.Directory)
            ? HealthCheckResult.Healthy(store.Directory)
            : HealthCheckResult.Unhealthy($"the storage directory {store.Directory} is missing"));
}
