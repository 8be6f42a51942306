using System.Diagnostics;

namespace Nic.Codec.Inference;

/// <summary>
/// Collects the wall time and the multiply-adds of every layer a <see cref="ManagedModel"/> runs while it is set as the
/// model's <see cref="ManagedModel.Profiler"/> (the benchmarks of <c>nic bench transforms</c>). Not thread-safe: one
/// call at a time.
/// </summary>
internal sealed class LayerProfiler
{
    private readonly List<LayerSample> _samples = [];

    /// <summary>Everything recorded since the last <see cref="Clear"/>, in running order.</summary>
    public IReadOnlyList<LayerSample> Samples => _samples;

    public void Clear() => _samples.Clear();

    /// <summary>Runs <paramref name="layer"/> (number <paramref name="index"/> of <paramref name="network"/>) and records it.</summary>
    public FeatureMap Run(string network, int index, ILayer layer, FeatureMap input, LayerContext context)
    {
        (int c, int h, int w) = (input.Channels, input.Height, input.Width);
        long start = Stopwatch.GetTimestamp();
        FeatureMap output = layer.Forward(input, context);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _samples.Add(new LayerSample($"{network}.{index}", Kind(layer), MultiplyAdds(layer, c, h, w, output.Height, output.Width), seconds));
        return output;
    }

    /// <summary>
    /// The multiply-adds of a whole network on a c × h × w input, from the shapes alone; null where a layer's output
    /// shape does not follow from its input's (the dense layers of tfc-mnist).
    /// </summary>
    public static long? MultiplyAdds(SequentialLayers network, int c, int h, int w)
    {
        long total = 0;
        foreach (ILayer layer in network.Layers)
        {
            (int oc, int oh, int ow) = layer switch
            {
                Conv2dLayer conv => (conv.OutChannels, conv.OutputSize(h), conv.OutputSize(w)),
                ConvTranspose2dLayer deconv => (deconv.OutChannels, 2 * h, 2 * w),
                GdnLayer or ActivationLayer => (c, h, w),
                _ => (-1, -1, -1),
            };
            if (oc < 0)
            {
                return null;
            }

            total += MultiplyAdds(layer, c, h, w, oh, ow);
            (c, h, w) = (oc, oh, ow);
        }

        return total;
    }

    /// <summary>
    /// The multiply-adds a layer's arithmetic (spec/nic-model.md §10) takes for an input of c × h × w: every product of
    /// a weight and an input element, padding included, not the lanes the kernel wastes on a partial channel block.
    /// The output is <paramref name="outputHeight"/> × <paramref name="outputWidth"/>.
    /// </summary>
    public static long MultiplyAdds(ILayer layer, int c, int h, int w, int outputHeight, int outputWidth) => layer switch
    {
        Conv2dLayer conv => (long)outputHeight * outputWidth * conv.OutChannels * conv.InChannels * conv.Kernel * conv.Kernel,

        // Each input pixel reaches k² output pixels (the four phases together take every tap once).
        ConvTranspose2dLayer deconv => (long)h * w * deconv.OutChannels * deconv.InChannels * deconv.Kernel * deconv.Kernel,
        GdnLayer gdn => (long)h * w * gdn.Channels * gdn.Channels,
        LinearLayer linear => (long)linear.Inputs * linear.Outputs,
        _ => 0,
    };

    private static string Kind(ILayer layer) => layer switch
    {
        Conv2dLayer conv => $"conv{conv.Kernel}x{conv.Kernel}/{conv.Stride} {conv.InChannels}→{conv.OutChannels}",
        ConvTranspose2dLayer deconv => $"deconv{deconv.Kernel}x{deconv.Kernel}/2 {deconv.InChannels}→{deconv.OutChannels}",
        GdnLayer gdn => $"{(gdn.Inverse ? "igdn" : "gdn")} {gdn.Channels}",
        ActivationLayer => "activation",
        _ => layer.GetType().Name,
    };
}

/// <summary>One layer run: its name (network.index, CompressAI's numbering), kind, multiply-adds and seconds.</summary>
internal readonly record struct LayerSample(string Name, string Kind, long MultiplyAdds, double Seconds);
