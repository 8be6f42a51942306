namespace Nic.Codec.Inference;

/// <summary>
/// What a layer may use while it runs: up to <paramref name="Parallelism"/> threads and the model's buffer pool; and the
/// token that stops it. The convolution kernel looks at the token before each work item (a few thousand output pixels of
/// eight channels), so a cancelled run ends within milliseconds with an <see cref="OperationCanceledException"/>.
/// A <paramref name="Profiler"/>, where set, records each layer's time and multiply-adds (benchmarks only).
/// </summary>
internal readonly record struct LayerContext(int Parallelism, BufferPool Buffers, CancellationToken CancellationToken = default, LayerProfiler? Profiler = null);
