using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Batches of an in-memory set of examples in a seeded random order: epoch e visits the examples in a permutation drawn
/// from <see cref="Random"/> seeded by (seed, e), in ⌊count / batchSize⌋ full batches (the remainder of each epoch's
/// order is skipped). Batch k is a pure function of the seed and k, so a resumed training sees the same batches.
/// </summary>
public sealed class ShuffledBatches : IBatchSource
{
    private readonly Tensor _examples;
    private readonly int _seed;
    private long _epoch = -1;
    private int[] _order = [];

    /// <summary>Creates the source.</summary>
    /// <param name="examples">The examples, one per row of the first dimension (kept, not copied).</param>
    /// <param name="batchSize">Examples per batch, at most the number of examples.</param>
    /// <param name="seed">The shuffling seed.</param>
    public ShuffledBatches(Tensor examples, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (examples.dim() < 1 || examples.shape[0] < batchSize)
        {
            throw new ArgumentException($"{examples.shape.FirstOrDefault()} examples cannot fill a batch of {batchSize}", nameof(examples));
        }

        _examples = examples;
        _seed = seed;
        BatchSize = batchSize;
        Count = checked((int)examples.shape[0]);
    }

    /// <summary>The number of examples.</summary>
    public int Count { get; }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>Full batches per epoch.</summary>
    public int BatchesPerEpoch => Count / BatchSize;

    /// <inheritdoc/>
    public Tensor Batch(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        long epoch = index / BatchesPerEpoch;
        if (epoch != _epoch)
        {
            _order = Enumerable.Range(0, Count).ToArray();
            new Random(unchecked((int)((_seed * 1_000_003L) + (epoch * 7_919L)))).Shuffle(_order);
            _epoch = epoch;
        }

        int start = (int)(index % BatchesPerEpoch) * BatchSize;
        long[] rows = new long[BatchSize];
        for (int i = 0; i < BatchSize; i++)
        {
            rows[i] = _order[start + i];
        }

        using Tensor selection = tensor(rows);
        return _examples.index_select(0, selection);
    }
}
