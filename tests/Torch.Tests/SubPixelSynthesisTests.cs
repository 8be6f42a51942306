using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch.Inference;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>
/// <see cref="SubPixelSynthesis"/>, the latent search's g_s: the same function and the same gradient as the model's
/// g_s with transposed convolutions, for every image architecture, on random models with random biases.
/// </summary>
public sealed class SubPixelSynthesisTests
{
    [Theory]
    [MemberData(nameof(ImageModelTests.ImageArchitectures), MemberType = typeof(ImageModelTests))]
    public void EqualsTheTransposedConvolutionsForwardAndBackward(ModelArchitectureKind kind)
    {
        using var model = ImageModels.FromModelFile(NicModelFile.Load(ModelFactory.CreateRandom(kind, 8, 12, seed: 5)));
        using (no_grad())
        {
            // Random biases, so that the phase layout of the bias is tested too (fresh models start at zero).
            var generator = new Generator(11);
            foreach (Parameter parameter in model.parameters().Where(p => p.dim() == 1))
            {
                parameter.copy_(randn(parameter.shape, generator: generator).mul(0.1));
            }
        }

        using var subPixel = new SubPixelSynthesis(model);
        Tensor y = randn([1, model.M, 3, 5], generator: new Generator(3)).mul(2);
        Tensor target = rand([1, 3, 48, 80], generator: new Generator(4));

        Tensor yReference = y.clone().requires_grad_(true);
        Tensor reference = model.Synthesize(yReference);
        reference.sub(target).square().mean().backward();

        Tensor ySubPixel = y.clone().requires_grad_(true);
        Tensor result = subPixel.Forward(ySubPixel);
        result.sub(target).square().mean().backward();

        Assert.Equal(reference.shape, result.shape);
        double scale = reference.abs().max().ToDouble();
        Assert.True(scale > 0.01, $"g_s output too small to compare ({scale})");
        Assert.True(reference.sub(result).abs().max().ToDouble() <= 1e-5 * Math.Max(1, scale), "outputs differ");
        double gradientScale = yReference.grad!.abs().max().ToDouble();
        Assert.True(yReference.grad!.sub(ySubPixel.grad!).abs().max().ToDouble() <= 1e-4 * gradientScale, "gradients differ");
    }

    [Fact]
    public void PhaseKernelPlacesEveryTapOnce()
    {
        // A transposed convolution whose taps are 1 … 25: every tap lands in exactly one phase; the 11 slots outside the kernel are zero.
        using var deconvolution = nn.ConvTranspose2d(1, 1, 5, stride: 2, padding: 2, output_padding: 1, bias: false);
        using (no_grad())
        {
            deconvolution.weight!.copy_(arange(1, 26, dtype: ScalarType.Float32).reshape(1, 1, 5, 5));
        }

        (Tensor kernel, Tensor? bias) = SubPixelSynthesis.PhaseKernel(deconvolution);
        Assert.Null(bias);
        Assert.Equal(new long[] { 4, 1, 3, 3 }, kernel.shape);
        float[] taps = kernel.data<float>().ToArray();
        Assert.Equal(Enumerable.Range(1, 25).Select(v => (float)v), taps.Where(v => v != 0).Order());
        Assert.Equal(36 - 25, taps.Count(v => v == 0));
    }
}
