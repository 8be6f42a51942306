using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>The training batches of a <see cref="RateDistortionTrainer"/>: batch k must depend only on k, so that a resumed run sees the same data.</summary>
public interface IBatchSource
{
    /// <summary>Examples per batch.</summary>
    int BatchSize { get; }

    /// <summary>Batch number <paramref name="index"/> (0-based): a new tensor whose first dimension is <see cref="BatchSize"/>.</summary>
    Tensor Batch(long index);
}
