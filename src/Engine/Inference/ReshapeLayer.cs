namespace Nic.Codec.Inference;

/// <summary>Reinterprets the elements (channel-major) as a channels × height × width map; nothing is copied.</summary>
internal sealed class ReshapeLayer(int channels, int height, int width) : ILayer
{
    public bool WritesInPlace => true;

    public FeatureMap Forward(FeatureMap input, LayerContext context) => new(channels, height, width, input.Data);
}
