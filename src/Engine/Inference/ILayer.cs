namespace Nic.Codec.Inference;

/// <summary>One layer of the managed engine: a pure function of its input and its frozen parameters.</summary>
internal interface ILayer
{
    /// <summary>
    /// Computes the layer's output. The context's parallelism bounds the threads used; it never changes the result.
    /// Outputs and scratch buffers come from the context's pool.
    /// A layer with <see cref="WritesInPlace"/> returns its input's buffer, overwritten.
    /// </summary>
    FeatureMap Forward(FeatureMap input, LayerContext context);

    /// <summary>Whether <see cref="Forward"/> overwrites its input instead of allocating an output.</summary>
    bool WritesInPlace { get; }
}
