namespace Nic.Codec.Inference;

/// <summary>What a layer may use while it runs: up to <paramref name="Parallelism"/> threads and the model's buffer pool.</summary>
internal readonly record struct LayerContext(int Parallelism, BufferPool Buffers);
