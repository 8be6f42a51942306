namespace Nic.Codec.Inference;

/// <summary>
/// The memory a run of <see cref="SequentialLayers"/> needs, worked out from the shapes alone before anything is
/// allocated: the caller's input, and for each layer the padded (or phase-split) copy the convolution kernel reads (a
/// Winograd transposed convolution's block buffers a thread instead), its scratch and its output, as <see cref="ConvTranspose2dLayer"/>, <see cref="Conv2dLayer"/>, <see cref="GdnLayer"/> and
/// <see cref="ActivationLayer"/> rent them from the model's <see cref="BufferPool"/>. The pool keeps every buffer a run
/// gives back for the next run of the same sizes (the next band), so the footprint is the sum of them all, not the
/// largest layer alone.
/// </summary>
internal static class LayerMemory
{
    /// <summary>
    /// The footprint of <paramref name="layers"/> on a channels × height × width input, run on up to
    /// <paramref name="parallelism"/> threads (each thread of a GDN layer rents its own scratch tile).
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer has no footprint rule (the dense layers of tfc-mnist, which the image pipeline never runs).</exception>
    public static LayerFootprint Estimate(SequentialLayers layers, int channels, int height, int width, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(layers);
        long callerInput = Elements(channels, height, width);
        long totalFloats = callerInput;
        long largest = callerInput;
        (int c, int h, int w) = (channels, height, width);
        foreach (ILayer layer in layers.Layers)
        {
            long scratch, output;
            switch (layer)
            {
                case ConvTranspose2dLayer deconv:
                {
                    // A Winograd layer reads its input in place; each thread rents a block's buffers instead of a padded copy.
                    long pad = deconv.PadBefore + deconv.PadAfter;
                    scratch = deconv.IsWinograd
                        ? WinogradTransposedConvolution.ScratchFloats(deconv.InChannels, deconv.OutChannels) * parallelism
                        : c * (h + pad) * (w + pad) + DirectConvolution.InputSlack;
                    (c, h, w) = (deconv.OutChannels, 2 * h, 2 * w);
                    output = Elements(c, h, w);
                    break;
                }

                case Conv2dLayer conv:
                {
                    long pad = 2L * (conv.Kernel / 2);
                    long rows = h + pad, columns = w + pad;
                    scratch = conv.Stride == 1
                        ? (c * rows * columns) + DirectConvolution.InputSlack
                        : (c * 4 * ((rows + 1) / 2) * ((columns + 1) / 2)) + DirectConvolution.InputSlack;
                    (c, h, w) = (conv.OutChannels, conv.OutputSize(h), conv.OutputSize(w));
                    output = Elements(c, h, w);
                    break;
                }

                case GdnLayer:
                    scratch = GdnLayer.ScratchFloats(c) * parallelism;
                    output = 0;
                    break;

                case ActivationLayer:
                    scratch = 0;
                    output = 0;
                    break;
                default:
                    throw new InvalidOperationException($"no memory rule for {layer.GetType().Name}");
            }

            totalFloats += scratch + output;
            largest = Math.Max(largest, Math.Max(scratch, output));
        }

        return new LayerFootprint(totalFloats * sizeof(float), largest, c, h, w);
    }

    private static long Elements(int channels, int height, int width) => (long)channels * height * width;
}
