namespace Nic.Codec.Inference;

/// <summary>
/// A dense layer y = W·x + b over the flattened input (channel-major, as <see cref="FeatureMap.Data"/> is laid out),
/// giving an outputs × 1 × 1 map. Weights are [outputs, inputs] (PyTorch's <c>Linear</c>). Each output accumulates
/// its products in input order from +0, then adds its bias: deterministic.
/// </summary>
internal sealed class LinearLayer : ILayer
{
    private readonly float[] _weight;
    private readonly float[] _bias;

    public LinearLayer(int inputs, int outputs, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (weight.Length != inputs * outputs || bias.Length != outputs)
        {
            throw new ArgumentException($"weights [{outputs},{inputs}] and bias [{outputs}] expected; got {weight.Length} and {bias.Length} values");
        }

        Inputs = inputs;
        Outputs = outputs;
        _weight = weight.ToArray();
        _bias = bias.ToArray();
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public bool WritesInPlace => false;

    public FeatureMap Forward(FeatureMap input, LayerContext context)
    {
        if (input.Data.Length != Inputs)
        {
            throw new ArgumentException($"the layer takes {Inputs} values, not {input.Data.Length}");
        }

        var output = new FeatureMap(Outputs, 1, 1);
        ReadOnlySpan<float> x = input.Data;
        for (int o = 0; o < Outputs; o++)
        {
            ReadOnlySpan<float> row = _weight.AsSpan(o * Inputs, Inputs);
            float acc = 0;
            for (int i = 0; i < row.Length; i++)
            {
                acc += row[i] * x[i];
            }

            output.Data[o] = acc + _bias[o];
        }

        return output;
    }
}
