using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Training batches of random square crops from a <see cref="PhotoSet"/>: each crop picks a photo (and downscale) with
/// probability proportional to its area, a uniformly random position, and a left–right mirror with probability ½.
/// Batch k depends only on (seed, k), so a resumed run sees the same crops.
/// </summary>
public sealed class PhotoCrops : IBatchSource
{
    private readonly PhotoSet _photos;
    private readonly double[] _cumulativeArea;
    private readonly int _seed;

    /// <summary>Creates the source.</summary>
    /// <param name="photos">The photographs.</param>
    /// <param name="batchSize">Crops per batch.</param>
    /// <param name="cropSize">The side of a crop in pixels.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="flips">Whether to mirror half of the crops.</param>
    /// <exception cref="ArgumentException">No photo is as large as a crop.</exception>
    public PhotoCrops(PhotoSet photos, int batchSize, int cropSize, int seed, bool flips = true)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cropSize, 1);
        _photos = photos;
        BatchSize = batchSize;
        CropSize = cropSize;
        Flips = flips;
        _seed = seed;
        _cumulativeArea = new double[photos.Photos.Count];
        double total = 0;
        for (int i = 0; i < photos.Photos.Count; i++)
        {
            Photo photo = photos.Photos[i];
            if (photo.Width >= cropSize && photo.Height >= cropSize)
            {
                total += (double)photo.Width * photo.Height;
            }

            _cumulativeArea[i] = total;
        }

        if (total == 0)
        {
            throw new ArgumentException($"no photo is at least {cropSize}×{cropSize}", nameof(cropSize));
        }
    }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>The side of a crop.</summary>
    public int CropSize { get; }

    /// <summary>Whether half of the crops are mirrored.</summary>
    public bool Flips { get; }

    /// <inheritdoc/>
    public Tensor Batch(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = new Random(MixSeed(_seed, index));
        int plane = CropSize * CropSize;
        float[] values = new float[BatchSize * 3 * plane];
        double total = _cumulativeArea[^1];
        for (int b = 0; b < BatchSize; b++)
        {
            double pick = random.NextDouble() * total;
            int i = Array.FindIndex(_cumulativeArea, c => c > pick);
            Photo photo = _photos.Photos[i];
            int left = random.Next(photo.Width - CropSize + 1);
            int top = random.Next(photo.Height - CropSize + 1);
            bool flip = Flips && random.Next(2) == 1;
            photo.CopyCrop(left, top, CropSize, flip, values.AsSpan(b * 3 * plane, 3 * plane));
        }

        return tensor(values, [BatchSize, 3, CropSize, CropSize]);
    }

    /// <summary>A seed for batch <paramref name="index"/> (SplitMix64 of the pair; HashCode is randomized per process and would break resuming).</summary>
    internal static int MixSeed(int seed, long index)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)index) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
