namespace Nic.Codec.Inference;

/// <summary>Layers applied one after another, as a CompressAI <c>nn.Sequential</c> transform (g_a, g_s, h_a, h_s).</summary>
internal sealed class SequentialLayers(IReadOnlyList<ILayer> layers) : ILayer
{
    public IReadOnlyList<ILayer> Layers { get; } = layers;

    public FeatureMap Forward(FeatureMap input, int parallelism)
    {
        FeatureMap x = input;
        foreach (ILayer layer in Layers)
        {
            x = layer.Forward(x, parallelism);
        }

        return x;
    }
}
