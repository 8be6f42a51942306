using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>The managed engine as a backend: <see cref="ManagedModel"/> with a thread count and an arithmetic.</summary>
/// <param name="parallelism">The most threads one call may use; null for every processor. Never changes a result.</param>
public sealed class ManagedBackendFactory(int? parallelism = null) : IInferenceBackendFactory
{
    private readonly ManagedArithmetic _arithmetic = ManagedArithmetic.Fused;

    /// <summary>The most threads one call may use; null for every processor.</summary>
    public int? Parallelism { get; } = parallelism is int p && p < 1 ? throw new ArgumentOutOfRangeException(nameof(parallelism)) : parallelism;

    /// <summary>
    /// The arithmetic of g_a, h_a and g_s (spec/nic-model.md §10.2): <see cref="ManagedArithmetic.Fused"/> by default
    /// (the faster; pixels within the conformance suite's tolerance of the reference decoder's, the same on every
    /// machine), or <see cref="ManagedArithmetic.Reference"/>, the reference decoder of the conformance suite, whose
    /// pixels are the golden images. h_s, and so every symbol, is the same with either.
    /// </summary>
    public ManagedArithmetic Arithmetic
    {
        get => _arithmetic;
        init => _arithmetic = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>"managed", or "managed-fused" with <see cref="ManagedArithmetic.Fused"/>.</summary>
    public string Name => NameOf(Arithmetic);

    /// <inheritdoc/>
    public IInferenceBackend Create(NicModelFile file) => ManagedModel.Create(file, Parallelism, Arithmetic);

    /// <summary>The backend name of the managed engine in <paramref name="arithmetic"/>.</summary>
    internal static string NameOf(ManagedArithmetic arithmetic) => arithmetic == ManagedArithmetic.Fused ? "managed-fused" : "managed";
}
