namespace Nic.Codec.Inference;

/// <summary>One layer of the managed engine: a pure function of its input and its frozen parameters.</summary>
internal interface ILayer
{
    /// <summary>Computes the layer's output. <paramref name="parallelism"/> bounds the threads used; it never changes the result.</summary>
    FeatureMap Forward(FeatureMap input, int parallelism);
}
