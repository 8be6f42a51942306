namespace Nic.Codec.Tests.Inference;

/// <summary>Tests that switch the engine's vector width share this collection so they never run concurrently.</summary>
[CollectionDefinition(nameof(VectorWidthCollection), DisableParallelization = true)]
public sealed class VectorWidthCollection;
