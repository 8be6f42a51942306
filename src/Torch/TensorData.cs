using static TorchSharp.torch;

namespace Nic.Torch;

/// <summary>Copies tensor elements to and from managed arrays (CPU, contiguous, in row-major order).</summary>
internal static class TensorData
{
    /// <summary>The elements of <paramref name="source"/> in row-major order; the tensor is not changed.</summary>
    public static T[] ToArray<T>(Tensor source)
        where T : unmanaged
    {
        using var scope = NewDisposeScope();
        Tensor contiguous = source.detach().cpu().contiguous();
        return contiguous.data<T>().ToArray();
    }

    /// <summary>Shape text for messages: [2, 3, 4].</summary>
    public static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}
