using Nic.Codec;
using Nic.Codec.Entropy;
using Nic.Torch.EntropyModels;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>The compact stream form (spec/nic-coding.md §2.7) on the entropy bottleneck's and the Gaussian conditional's string APIs.</summary>
public sealed class StreamFormTests
{
    [Fact]
    public void EntropyBottleneckStringsInTheCompactFormRoundTripAndAreShorter()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        using var bottleneck = new EntropyBottleneck(3);
        bottleneck.Update();
        bottleneck.eval();
        Tensor latent = randn(4, 3, 2, 2).Times(2);
        Assert.Equal(RansStreamForm.Standard, bottleneck.StreamForm);
        byte[][] standard = bottleneck.Compress(latent);
        bottleneck.StreamForm = RansStreamForm.Compact;
        byte[][] compact = bottleneck.Compress(latent);
        float[] expected = bottleneck.forward(latent).Output.data<float>().ToArray();
        Assert.Equal(expected, bottleneck.Decompress(compact, (2, 2)).data<float>().ToArray());
        for (int n = 0; n < 4; n++)
        {
            Assert.True(compact[n].Length < standard[n].Length, $"string {n}: compact {compact[n].Length} bytes, standard {standard[n].Length}");
        }

        // A compact string is not a standard one: read in the wrong form it fails with a code, or decodes to other values.
        bottleneck.StreamForm = RansStreamForm.Standard;
        Assert.Equal(expected, bottleneck.Decompress(standard, (2, 2)).data<float>().ToArray());
        Assert.ThrowsAny<NicCodecException>(() => bottleneck.Decompress([compact[0][..1]], (2, 2)));
    }

    [Fact]
    public void GaussianConditionalStringsInTheCompactFormRoundTripAndAreShorter()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(12);
        using var conditional = new GaussianConditional();
        conditional.eval();
        Tensor scales = rand(3, 2, 3, 3).Times(4).Plus(0.2);
        Tensor means = randn(3, 2, 3, 3);
        Tensor latent = randn(3, 2, 3, 3).mul(scales).Plus(means);
        byte[][] standard = conditional.Compress(latent, scales, means);
        conditional.StreamForm = RansStreamForm.Compact;
        byte[][] compact = conditional.Compress(latent, scales, means);
        (Tensor quantized, _) = conditional.forward(latent, scales, means);
        Assert.Equal(quantized.data<float>().ToArray(), conditional.Decompress(compact, scales, means).data<float>().ToArray());
        Assert.True(compact.Sum(s => s.Length) < standard.Sum(s => s.Length));
        conditional.StreamForm = RansStreamForm.Standard;
        Assert.Equal(quantized.data<float>().ToArray(), conditional.Decompress(standard, scales, means).data<float>().ToArray());
    }
}
