using System.Runtime.Intrinsics;

namespace Nic.Codec.Inference;

/// <summary>
/// ReLU (slope 0) or LeakyReLU: y = x for x ≥ 0 (and for −0), y = slope · x for x &lt; 0; ReLU maps every x ≤ 0 to +0.
/// Applied in place; deterministic.
/// </summary>
internal sealed class ActivationLayer(float negativeSlope) : IPointwiseLayer
{
    /// <summary>PyTorch's default LeakyReLU slope.</summary>
    public const float DefaultLeakySlope = 0.01f;

    public static ActivationLayer Relu { get; } = new(0);

    public float NegativeSlope { get; } = negativeSlope;

    public bool WritesInPlace => true;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        Apply(input.Data);
        return input;
    }

    public void ForwardRows(FeatureMap map, int firstRow, int rows, LayerContext context)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)firstRow + rows, (long)map.Height);
        for (int c = 0; c < map.Channels; c++)
        {
            Apply(map.Data.AsSpan((c * map.PlaneSize) + (firstRow * map.Width), rows * map.Width));
        }
    }

    private void Apply(Span<float> x)
    {
        int i = 0;
        Vector256<float> zero = Vector256<float>.Zero, slope = Vector256.Create(NegativeSlope);
        bool relu = NegativeSlope == 0;
        for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
        {
            Vector256<float> v = Vector256.Create<float>(x[i..]);
            Vector256<float> result = relu
                ? Vector256.ConditionalSelect(Vector256.GreaterThan(v, zero), v, zero)
                : Vector256.ConditionalSelect(Vector256.LessThan(v, zero), v * slope, v);
            result.CopyTo(x[i..]);
        }

        for (; i < x.Length; i++)
        {
            float v = x[i];
            x[i] = relu ? (v > 0 ? v : 0f) : (v < 0 ? v * NegativeSlope : v);
        }
    }
}
