using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>The managed engine as a backend: <see cref="ManagedModel"/> with a thread count.</summary>
/// <param name="parallelism">The most threads one call may use; null for every processor. Never changes a result.</param>
public sealed class ManagedBackendFactory(int? parallelism = null) : IInferenceBackendFactory
{
    /// <summary>The most threads one call may use; null for every processor.</summary>
    public int? Parallelism { get; } = parallelism is int p && p < 1 ? throw new ArgumentOutOfRangeException(nameof(parallelism)) : parallelism;

    /// <summary>"managed".</summary>
    public string Name => "managed";

    /// <inheritdoc/>
    public IInferenceBackend Create(NicModelFile file) => ManagedModel.Create(file, Parallelism);
}
