using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Layers;

/// <summary>
/// The transforms' transposed convolution (kernel 5, stride 2, padding 2, output padding 1: the output exactly twice the
/// input) computed as a 3 × 3 convolution to four phases of each output channel followed by a pixel shuffle. It holds
/// the parameters of a <c>ConvTranspose2d</c> under the same names and layout (<c>weight</c> [C_in, C_out, 5, 5],
/// <c>bias</c> [C_out]), so model files and state dictionaries load unchanged, and gives the same output up to float
/// rounding.
/// </summary>
/// <remarks>
/// <para>
/// Output row 2i + a (a = 0, 1) of the transposed convolution sums input rows j with kernel tap k = 2(i − j) + a + 2: for
/// a = 0 the taps 4, 2, 0 at j = i − 1, i, i + 1; for a = 1 the taps 5 (outside the kernel: zero), 3, 1. Columns alike.
/// So each of the four phases (a_h, a_w) is a 3 × 3 cross-correlation with padding 1, whose weights are the 5 × 5
/// kernel's taps picked in that order, and <c>pixel_shuffle(·, 2)</c> interleaves the phases (channel 4c + 2a_h + a_w
/// to output channel c at row offset a_h, column offset a_w). The phase weights are picked from the parameters on each
/// call, so gradients reach them as they reach a <c>ConvTranspose2d</c>'s.
/// </para>
/// <para>
/// It costs 36 taps a phase set where the transposed convolution costs 25, but libtorch's CPU transposed convolution is
/// slow with few output channels: g_s's last layer (96 → 3 channels) over a 64-latent tile of the latent search
/// (544 × 544 → 1088 × 1088 channels-last, 2 threads, AVX-512, medians of 9 in two runs) took 127 and 135 ms forward
/// and backward as a transposed convolution, 77 and 97 ms as phases. With 96 output channels the transposed
/// convolution was the faster (at 136 × 136: 44 against 81 ms), so the transforms use this layer for their last,
/// 3-channel one only (docs/rate-distortion.md).
/// </para>
/// </remarks>
internal sealed class SubPixelDeconv : nn.Module<Tensor, Tensor>
{
    /// <summary>The transposed convolution's kernel side.</summary>
    private const int Kernel = 5;

    /// <summary>For each phase a, the kernel taps of input offsets −1, 0, +1 (tap 5 is the zero padding).</summary>
    private static readonly long[][] PhaseTaps = [[4, 2, 0], [5, 3, 1]];

    private readonly Parameter _weight;
    private readonly Parameter _bias;

    /// <summary>Creates the layer with a <c>ConvTranspose2d</c>'s initialisation.</summary>
    /// <param name="inChannels">C_in.</param>
    /// <param name="outChannels">C_out.</param>
    public SubPixelDeconv(int inChannels, int outChannels)
        : base(nameof(SubPixelDeconv))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        InChannels = inChannels;
        OutChannels = outChannels;
        using (ConvTranspose2d initial = nn.ConvTranspose2d(inChannels, outChannels, Kernel, stride: 2, padding: Kernel / 2, output_padding: 1))
        using (no_grad())
        {
            _weight = new Parameter(initial.weight!.detach().clone());
            _bias = new Parameter(initial.bias!.detach().clone());
        }

        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
    }

    /// <summary>C_in.</summary>
    public int InChannels { get; }

    /// <summary>C_out.</summary>
    public int OutChannels { get; }

    /// <summary>The kernel [C_in, C_out, 5, 5], laid out as a <c>ConvTranspose2d</c>'s.</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias [C_out].</summary>
    public Parameter Bias => _bias;

    /// <summary>(N, C_in, H, W) to (N, C_out, 2H, 2W).</summary>
    /// <exception cref="ArgumentException">The input is not 4-D with <see cref="InChannels"/> channels.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != InChannels)
        {
            throw new ArgumentException($"the transposed convolution takes (N, {InChannels}, H, W); got {TensorData.Shape(input)}", nameof(input));
        }

        using var scope = NewDisposeScope();
        Tensor padded = nn.functional.pad(_weight, [0, 1, 0, 1]); // tap 5 of each side: zero
        var phases = new List<Tensor>(4);
        foreach (long[] rows in PhaseTaps)
        {
            Tensor rowTaps = padded.index_select(2, tensor(rows, device: padded.device));
            foreach (long[] columns in PhaseTaps)
            {
                phases.Add(rowTaps.index_select(3, tensor(columns, device: padded.device)));
            }
        }

        // [C_in, C_out, 4, 3, 3] → [C_out, 4, C_in, 3, 3] → the convolution's [4·C_out, C_in, 3, 3], channel 4c + phase.
        Tensor weight = stack(phases, 2).permute(1, 2, 0, 3, 4).reshape(4L * OutChannels, InChannels, 3, 3);
        Tensor bias = _bias.repeat_interleave(4L);
        Tensor output = nn.functional.pixel_shuffle(nn.functional.conv2d(input, weight, bias, padding: [1, 1]), 2);
        return output.MoveToOuterDisposeScope();
    }
}
