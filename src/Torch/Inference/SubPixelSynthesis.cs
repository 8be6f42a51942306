using Nic.Torch.Layers;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Inference;

/// <summary>
/// g_s of an image model computed for the latent search: the same function as <see cref="ImageCompressionModel.Synthesize"/>
/// (equal to float rounding), with every transposed convolution (k5, stride 2, padding 2, output padding 1) run as a
/// 3 × 3 convolution into its four output phases followed by a pixel shuffle (a sub-pixel convolution). libtorch's CPU
/// backends run that convolution, and its gradient, faster than the transposed one; the search runs g_s forward and
/// backward once per iteration (docs/rate-distortion.md#encoder-effort).
/// </summary>
/// <remarks>
/// Output row 2q + r of a stride-2 transposed convolution takes input rows q − 1, q, q + 1 through kernel rows
/// r + 4, r + 2, r (r = 0) and 5 (outside the kernel: zero), 3, 1 (r = 1); columns likewise. The phase (r_y, r_x) of
/// output channel c becomes channel 4c + 2r_y + r_x of the convolution, the order <c>pixel_shuffle(·, 2)</c> reads.
/// Padding 1 on the input is the transposed convolution's zero border, so the output is exactly twice the input.
/// </remarks>
internal sealed class SubPixelSynthesis : IDisposable
{
    private readonly List<Func<Tensor, Tensor>> _steps = [];
    private readonly List<Tensor> _weights = [];

    /// <summary>Rebuilds <paramref name="model"/>'s g_s; its inverse GDNs are used as they are (frozen with the model).</summary>
    /// <exception cref="NotSupportedException">g_s has a layer other than the stride-2 k5 transposed convolution and GDN.</exception>
    public SubPixelSynthesis(ImageCompressionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (nn.Module<Tensor, Tensor> layer in model.SynthesisLayers)
        {
            switch (layer)
            {
                case ConvTranspose2d deconvolution:
                    (Tensor kernel, Tensor? bias) = PhaseKernel(deconvolution);
                    _weights.Add(kernel);
                    if (bias is not null)
                    {
                        _weights.Add(bias);
                    }

                    _steps.Add(x => nn.functional.pixel_shuffle(nn.functional.conv2d(x, kernel, bias, padding: [1, 1]), 2));
                    break;
                case Gdn gdn:
                    _steps.Add(gdn.forward);
                    break;
                default:
                    throw new NotSupportedException($"g_s layer {layer.GetName()} ({layer.GetType().Name}) has no sub-pixel form");
            }
        }
    }

    /// <summary>x̂ = g_s(ŷ), not clamped.</summary>
    public Tensor Forward(Tensor yHat)
    {
        using var scope = NewDisposeScope();
        Tensor x = yHat;
        foreach (Func<Tensor, Tensor> step in _steps)
        {
            x = step(x);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the rebuilt kernels.</summary>
    public void Dispose()
    {
        foreach (Tensor weight in _weights)
        {
            weight.Dispose();
        }

        _weights.Clear();
        _steps.Clear();
    }

    /// <summary>The (4·C_out, C_in, 3, 3) kernel and (4·C_out) bias of a transposed convolution's four phases.</summary>
    internal static (Tensor Kernel, Tensor? Bias) PhaseKernel(ConvTranspose2d deconvolution)
    {
        Tensor weight = deconvolution.weight ?? throw new NotSupportedException("a transposed convolution without weights");
        if (weight.shape[2] != 5 || weight.shape[3] != 5 || deconvolution.stride is not [2, 2] || deconvolution.padding is not [2, 2] || deconvolution.output_padding is not [1, 1])
        {
            throw new NotSupportedException($"only k5, stride 2, padding 2, output padding 1 transposed convolutions have a sub-pixel form here, not {TensorData.Shape(weight)}");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long inputs = weight.shape[0], outputs = weight.shape[1];

        // Kernel row/column 5 of phase 1 lies outside the 5 × 5 kernel: pad one zero row and column.
        Tensor padded = nn.functional.pad(weight.detach(), [0, 1, 0, 1]);
        var phases = new List<Tensor>(4);
        for (int ry = 0; ry < 2; ry++)
        {
            for (int rx = 0; rx < 2; rx++)
            {
                Tensor rows = tensor(new long[] { ry + 4, ry + 2, ry }, device: weight.device);
                Tensor columns = tensor(new long[] { rx + 4, rx + 2, rx }, device: weight.device);
                phases.Add(padded.index_select(2, rows).index_select(3, columns).permute(1, 0, 2, 3));
            }
        }

        Tensor kernel = stack(phases, 1).reshape(4 * outputs, inputs, 3, 3).contiguous();
        Tensor? bias = deconvolution.bias?.detach().repeat_interleave(4).contiguous();
        return (kernel.MoveToOuterDisposeScope(), bias?.MoveToOuterDisposeScope());
    }
}
