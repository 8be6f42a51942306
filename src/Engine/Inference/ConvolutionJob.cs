namespace Nic.Codec.Inference;

/// <summary>The operands of one <see cref="DirectConvolution"/> run.</summary>
internal readonly struct ConvolutionJob
{
    public ConvolutionJob()
    {
    }

    /// <summary>Input planes (with padding and <see cref="DirectConvolution.InputSlack"/> floats of slack).</summary>
    public required float[] Input { get; init; }

    /// <summary>Where input channel 0, row 0, column 0 is in <see cref="Input"/>.</summary>
    public long InputOffset { get; init; }

    /// <summary>Floats from one input channel's first plane to the next channel's.</summary>
    public required long InputChannelStride { get; init; }

    /// <summary>Floats from one input row to the next.</summary>
    public required int InputRowStride { get; init; }

    /// <summary>Number of input channels.</summary>
    public required int InputChannels { get; init; }

    /// <summary>Per tap, the offset in floats from the output position's base to the input element it reads.</summary>
    public required int[] TapOffsets { get; init; }

    /// <summary>Weights packed by <see cref="DirectConvolution.PackWeights"/>.</summary>
    public required float[] PackedWeights { get; init; }

    /// <summary>Biases, padded with zeros to a multiple of <see cref="DirectConvolution.ChannelBlock"/>.</summary>
    public required float[] Bias { get; init; }

    /// <summary>The output buffer.</summary>
    public required float[] Output { get; init; }

    /// <summary>Where output channel 0, row 0, column 0 is in <see cref="Output"/>.</summary>
    public long OutputOffset { get; init; }

    /// <summary>Floats from one output channel plane to the next.</summary>
    public required long OutputPlaneStride { get; init; }

    /// <summary>Floats from one output column to the next: 1, or 2 for the interleaved phases of a transposed convolution.</summary>
    public int OutputColumnStride { get; init; } = 1;

    /// <summary>Floats from one output row to the next.</summary>
    public required int OutputRowStride { get; init; }

    /// <summary>Output channels.</summary>
    public required int OutputChannels { get; init; }

    /// <summary>Output rows.</summary>
    public required int OutputHeight { get; init; }

    /// <summary>Output columns.</summary>
    public required int OutputWidth { get; init; }

    /// <summary>How each product is accumulated (spec/nic-model.md §10).</summary>
    public ManagedArithmetic Arithmetic { get; init; }
}
