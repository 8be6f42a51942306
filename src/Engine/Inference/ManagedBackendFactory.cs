using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>The managed engine as a backend: <see cref="ManagedModel"/> with a thread count and an arithmetic.</summary>
/// <param name="parallelism">The most threads one call may use; null for every processor. Never changes a result.</param>
public sealed class ManagedBackendFactory(int? parallelism = null) : IInferenceBackendFactory
{
    private readonly ManagedArithmetic _arithmetic = ManagedArithmetic.Winograd;

    /// <summary>The most threads one call may use; null for every processor.</summary>
    public int? Parallelism { get; } = parallelism is int p && p < 1 ? throw new ArgumentOutOfRangeException(nameof(parallelism)) : parallelism;

    /// <summary>
    /// The arithmetic of g_a, h_a and g_s (spec/nic-model.md §10.2): <see cref="ManagedArithmetic.Winograd"/> by default
    /// (the fastest: the fused arithmetic with g_a's and g_s's largest convolutions by Winograd's minimal filtering; decoded
    /// pixels within the conformance suite's tolerance of the reference decoder's, the same on every machine),
    /// <see cref="ManagedArithmetic.Fused"/>, or <see cref="ManagedArithmetic.Reference"/>, the reference
    /// decoder of the conformance suite, whose pixels are the golden images. h_s is the same with each: every file
    /// decodes to the same symbols whichever arithmetic decodes it.
    /// </summary>
    public ManagedArithmetic Arithmetic
    {
        get => _arithmetic;
        init => _arithmetic = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>"managed", "managed-fused" or "managed-winograd", after <see cref="Arithmetic"/>.</summary>
    public string Name => NameOf(Arithmetic);

    /// <inheritdoc/>
    public IInferenceBackend Create(NicModelFile file) => ManagedModel.Create(file, Parallelism, Arithmetic);

    /// <summary>The backend name of the managed engine in <paramref name="arithmetic"/>.</summary>
    internal static string NameOf(ManagedArithmetic arithmetic) => arithmetic switch
    {
        ManagedArithmetic.Fused => "managed-fused",
        ManagedArithmetic.Winograd => "managed-winograd",
        _ => "managed",
    };
}
