using Nic.Torch.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class SubPixelDeconvTests
{
    private static readonly long[] Two = [2, 2];
    private static readonly long[] One = [1, 1];

    /// <summary>The transforms' transposed convolution as libtorch computes it: kernel 5, stride 2, padding 2, output padding 1.</summary>
    private static Tensor Reference(Tensor input, Tensor weight, Tensor bias) =>
        nn.functional.conv_transpose2d(input, weight, bias, strides: Two, padding: Two, output_padding: One);

    [Fact]
    public void ItHoldsAConvTransposeParametersUnderTheSameNamesAndShapes()
    {
        using var scope = NewDisposeScope();
        var layer = new SubPixelDeconv(7, 3);
        Assert.Equal(["bias", "weight"], layer.state_dict().Keys.Order());
        Assert.Equal([7L, 3, 5, 5], layer.Weight.shape);
        Assert.Equal([3L], layer.Bias.shape);
    }

    [Theory]
    [InlineData(7, 3, 5, 6, false)] // the transforms' last layer's shape, odd sides
    [InlineData(4, 3, 1, 1, false)] // one input position: every phase reads the padding
    [InlineData(5, 4, 9, 4, true)] // channels-last input, as the latent search gives it
    [InlineData(2, 6, 3, 8, false)]
    public void ItEqualsTheTransposedConvolutionAndItsGradients(int inChannels, int outChannels, int height, int width, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        var generator = new Random((inChannels * 100) + (height * 10) + width);
        var layer = new SubPixelDeconv(inChannels, outChannels);
        using (no_grad())
        {
            // Every tap different, so that a tap taken from the wrong place or phase changes the output.
            layer.Weight.copy_(tensor(Enumerable.Range(0, inChannels * outChannels * 25).Select(_ => (float)((generator.NextDouble() * 2) - 1)).ToArray(), layer.Weight.shape));
            layer.Bias.copy_(tensor(Enumerable.Range(0, outChannels).Select(_ => (float)generator.NextDouble()).ToArray(), layer.Bias.shape));
        }

        Tensor values = tensor(Enumerable.Range(0, 2 * inChannels * height * width).Select(_ => (float)((generator.NextDouble() * 4) - 2)).ToArray(), [2, inChannels, height, width]);
        if (channelsLast)
        {
            values = values.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        }

        Tensor input = values.detach().clone();
        input.requires_grad = true;
        Tensor referenceInput = values.detach().clone();
        referenceInput.requires_grad = true;
        Tensor referenceWeight = layer.Weight.detach().clone();
        referenceWeight.requires_grad = true;
        Tensor referenceBias = layer.Bias.detach().clone();
        referenceBias.requires_grad = true;

        Tensor output = layer.forward(input);
        Tensor expected = Reference(referenceInput, referenceWeight, referenceBias);
        Assert.Equal(expected.shape, output.shape);
        Assert.Equal([2L, outChannels, 2 * height, 2 * width], output.shape);
        AssertClose(expected, output, "output");

        // A weighting of the output that differs everywhere, so that every output element's gradient counts.
        Tensor outputWeights = tensor(Enumerable.Range(0, (int)output.numel()).Select(_ => (float)((generator.NextDouble() * 2) - 1)).ToArray(), output.shape);
        output.mul(outputWeights).sum().backward();
        expected.mul(outputWeights).sum().backward();
        AssertClose(referenceInput.grad!, input.grad!, "input gradient");
        AssertClose(referenceWeight.grad!, layer.Weight.grad!, "weight gradient");
        AssertClose(referenceBias.grad!, layer.Bias.grad!, "bias gradient");
    }

    [Fact]
    public void ItRefusesAnInputWithTheWrongChannels()
    {
        using var scope = NewDisposeScope();
        var layer = new SubPixelDeconv(4, 3);
        ArgumentException error = Assert.Throws<ArgumentException>(() => layer.forward(zeros(1, 3, 2, 2)));
        Assert.Contains("(N, 4, H, W)", error.Message, StringComparison.Ordinal);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double scale = Math.Max(1e-3, expected.abs().max().item<float>());
        double difference = expected.sub(actual).abs().max().item<float>();
        Assert.True(difference <= 1e-5 * scale, $"{what}: largest difference {difference} against a largest value {scale}");
    }
}
