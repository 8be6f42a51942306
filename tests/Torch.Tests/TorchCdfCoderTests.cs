using Nic.Codec.Entropy;
using Nic.Torch.Entropy;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class TorchCdfCoderTests
{
    [Fact]
    public void FloatAndInt16RowsRoundTripAndMatchTheSpanApi()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        Tensor pmf = nn.functional.softmax(randn(2, 3, 5), -1);
        Tensor cdf = cat([zeros(2, 3, 1), pmf.cumsum(-1)], -1).ClampedTo(0, 1);
        Tensor symbols = tensor(new short[] { 0, 4, 2, 1, 3, 3 }).reshape(2, 3);

        byte[] stream = TorchCdfCoder.EncodeFloatCdf(cdf, symbols);
        Tensor decoded = TorchCdfCoder.DecodeFloatCdf(cdf, stream);
        Assert.Equal([2L, 3], decoded.shape);
        Assert.Equal([0, 4, 2, 1, 3, 3], decoded.data<int>().ToArray());
        Assert.Equal(CdfCoder.EncodeFloatCdf(cdf.data<float>().ToArray(), 6, [0, 4, 2, 1, 3, 3]), stream);

        Tensor normalized = TorchCdfCoder.NormalizeFloatCdf(cdf);
        Assert.Equal(ScalarType.Int16, normalized.dtype);
        byte[] same = TorchCdfCoder.EncodeInt16NormalizedCdf(normalized, symbols.to_type(ScalarType.Int32));
        Assert.Equal(stream, same);
        Assert.Equal([0, 4, 2, 1, 3, 3], TorchCdfCoder.DecodeInt16NormalizedCdf(normalized, same).data<int>().ToArray());
    }

    [Fact]
    public void ShapeAndTypeErrorsAreClear()
    {
        using var scope = NewDisposeScope();
        Tensor cdf = tensor(new float[] { 0f, 0.5f, 1f, 0f, 0.25f, 1f }).reshape(2, 3);
        var shape = Assert.Throws<ArgumentException>(() => TorchCdfCoder.EncodeFloatCdf(cdf, zeros(3, dtype: ScalarType.Int32)));
        Assert.Contains("[2]", shape.Message);
        Assert.Throws<ArgumentException>(() => TorchCdfCoder.EncodeFloatCdf(cdf, zeros(2, dtype: ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => TorchCdfCoder.EncodeFloatCdf(cdf.to_type(ScalarType.Float64), zeros(2, dtype: ScalarType.Int32)));
        Assert.Throws<ArgumentException>(() => TorchCdfCoder.DecodeFloatCdf(zeros(2, 1), [0, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => TorchCdfCoder.EncodeInt16NormalizedCdf(cdf, zeros(2, dtype: ScalarType.Int32)));
    }
}
