using Nic.Codec.Entropy;
using Nic.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

/// <summary>What the export and import tests do to and check of image models.</summary>
internal static class TestModels
{
    /// <summary>Moves every parameter off its initial value so that a lost or mixed-up tensor shows.</summary>
    public static void Perturb(ImageCompressionModel model)
    {
        using var noGrad = no_grad();
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            if (name == "entropy_bottleneck.quantiles")
            {
                // Keep the quantiles ordered (lower < median < upper) so the tables stay small.
                parameter.PlusInPlace(rand_like(parameter).Minus(0.5));
            }
            else
            {
                parameter.PlusInPlace(randn_like(parameter).Times(0.01));
            }
        }
    }

    /// <summary>Every parameter rounded to binary16 and back by torch (an implementation independent of Nic's).</summary>
    public static Dictionary<string, float[]> RoundedToFloat16(ImageCompressionModel model)
    {
        var rounded = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            // Every temporary is held and disposed here, so none is finalized while its memory is being read.
            using Tensor detached = parameter.detach();
            using Tensor half = detached.to_type(ScalarType.Float16);
            using Tensor widened = half.to_type(ScalarType.Float32);
            rounded.Add(name, widened.data<float>().ToArray());
        }

        return rounded;
    }

    /// <summary>The parameters' values by name.</summary>
    public static Dictionary<string, float[]> Parameters(ImageCompressionModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().data<float>().ToArray(), StringComparer.Ordinal);

    /// <summary>Asserts that two table sets are the same, entry for entry.</summary>
    public static void AssertSameTables(QuantizedCdfTables expected, QuantizedCdfTables actual)
    {
        (int[] expectedCdf, int expectedLength, int[] expectedOffsets, int[] expectedLengths) = expected.ToPaddedLayout();
        (int[] actualCdf, int actualLength, int[] actualOffsets, int[] actualLengths) = actual.ToPaddedLayout();
        Assert.Equal(expectedLength, actualLength);
        Assert.Equal(expectedCdf, actualCdf);
        Assert.Equal(expectedOffsets, actualOffsets);
        Assert.Equal(expectedLengths, actualLengths);
    }
}
