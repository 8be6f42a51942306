namespace Nic.Codec.Inference;

/// <summary>
/// Layers applied one after another, as a CompressAI <c>nn.Sequential</c> transform (g_a, g_s, h_a, h_s). The caller's
/// input is never modified; intermediate maps are overwritten by in-place layers.
/// </summary>
internal sealed class SequentialLayers(IReadOnlyList<ILayer> layers, string name = "") : ILayer
{
    public IReadOnlyList<ILayer> Layers { get; } = layers;

    /// <summary>The network's name in CompressAI's numbering (g_a, h_a, h_s, g_s), for profiles.</summary>
    public string Name { get; } = name;

    public bool WritesInPlace => false;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        FeatureMap x = input;
        bool owned = false;
        for (int index = 0; index < Layers.Count; index++)
        {
            ILayer layer = Layers[index];
            context.CancellationToken.ThrowIfCancellationRequested();
            if (layer.WritesInPlace && !owned)
            {
                // Never overwrite the caller's map.
                FeatureMap copy = context.Buffers.RentMap(x.Channels, x.Height, x.Width);
                x.Data.CopyTo(copy.Data, 0);
                x = copy;
                owned = true;
            }

            FeatureMap y = context.Profiler is { } profiler ? profiler.Run(Name, index, layer, x, context) : layer.Forward(x, context);
            if (owned && !ReferenceEquals(x.Data, y.Data))
            {
                // An intermediate map this run made and the next layer has consumed.
                context.Buffers.Return(x.Data);
            }

            x = y;
            owned = true;
        }

        return x;
    }
}
