namespace Nic.Codec.Entropy;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014), the generator of an ANS stack's initial bits (spec/nic-coding.md §12.2)
/// and of the binarized MNIST test digits: state s advances by the golden gamma, each output is Mix(s).
/// </summary>
internal static class SplitMix64
{
    /// <summary>The increment of the state, 0x9E3779B97F4A7C15.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Advances the state by <see cref="Gamma"/> and returns the mixed new state.</summary>
    public static ulong Next(ref ulong state)
    {
        state = unchecked(state + Gamma);
        return Mix(state);
    }

    /// <summary>The output function: z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31.</summary>
    public static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
