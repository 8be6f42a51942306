using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Nic.Codec.Entropy;

namespace Nic.Codec.BitsBack;

/// <summary>
/// The latent discretization of bits-back coding (spec/nic-coding.md §13.3): B = 2^k buckets of equal mass under the
/// standard normal prior, with edges e_i = Φ⁻¹(i / B) and centres c_i = Φ⁻¹((i + ½) / B), and a Gaussian posterior
/// N(μ, σ²) quantized over them as the CDF C(i) = round(2^16 · Φ((e_i − μ) / σ)) (C(0) = 0, C(B) = 2^16), which lets
/// a bucket have frequency 0 (it is then never popped).
/// </summary>
internal sealed class LatentBuckets
{
    private const int Total = RansConstants.Total;
    private static readonly ConcurrentDictionary<int, LatentBuckets> Cache = new();

    private readonly double[] _edges;
    private readonly float[] _centres;
    private readonly int _count;

    private LatentBuckets(int bits)
    {
        _count = 1 << bits;
        _edges = new double[_count + 1];
        _centres = new float[_count];
        for (int i = 1; i < _count; i++)
        {
            _edges[i] = BitsBackMath.PhiInverse((double)i / _count);
        }

        for (int i = 0; i < _count; i++)
        {
            _centres[i] = (float)BitsBackMath.PhiInverse((i + 0.5) / _count);
        }
    }

    /// <summary>The buckets for k bits (built once per k).</summary>
    public static LatentBuckets Get(int bits) => Cache.GetOrAdd(bits, static b => new LatentBuckets(b));

    /// <summary>The latent value of bucket i, c_i in binary32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Centre(int bucket) => _centres[bucket];

    /// <summary>Bucket i's interval under N(μ, σ²): [C(i), C(i + 1)).</summary>
    public (uint Start, uint Freq) PosteriorInterval(int bucket, float mean, double scale)
    {
        uint low = Cdf(bucket, mean, scale), high = Cdf(bucket + 1, mean, scale);
        return (low, high - low);
    }

    /// <summary>Pops a bucket from the stack under N(μ, σ²): the largest i with C(i) ≤ slot, by bisection.</summary>
    public (int Bucket, uint Start, uint Freq) PopPosterior(AnsStack stack, float mean, double scale)
    {
        uint slot = stack.Slot;
        int low = 0, high = _count; // C(low) ≤ slot < C(high)
        while (high - low > 1)
        {
            int middle = (low + high) >>> 1;
            if (Cdf(middle, mean, scale) <= slot)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        (uint start, uint freq) = PosteriorInterval(low, mean, scale);
        stack.Pop(start, freq);
        return (low, start, freq);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Cdf(int i, float mean, double scale)
    {
        if (i <= 0)
        {
            return 0;
        }

        if (i >= _count)
        {
            return Total;
        }

        double p = BitsBackMath.Phi((_edges[i] - mean) / scale);
        return (uint)Math.Round(Total * p);
    }
}
