namespace Nic.Codec.Inference;

/// <summary>Reinterprets the elements (channel-major) as a channels × height × width map; nothing is copied.</summary>
internal sealed class ReshapeLayer(int channels, int height, int width) : ILayer
{
    public FeatureMap Forward(FeatureMap input, int parallelism) => new(channels, height, width, input.Data);
}
