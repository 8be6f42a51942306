namespace Nic.Codec.Entropy;

/// <summary>
/// The mapping of out-of-range values to the raw code that follows an escape symbol (spec/nic-coding.md §5).
/// A symbol index s outside [0, n) maps to u = 2(−s) − 1 below the table and u = 2(s − n) above it; u + 1 is then
/// written as its bit length b (6 bits) and its b low bits in 16-bit groups, least significant group first.
/// </summary>
internal static class EscapeCode
{
    /// <summary>Maps an out-of-range symbol index to the non-negative escape magnitude u.</summary>
    public static ulong Map(long symbol, int count) =>
        symbol < 0 ? (ulong)(-symbol) * 2 - 1 : (ulong)(symbol - count) * 2;

    /// <summary>Inverts <see cref="Map"/>.</summary>
    public static long Unmap(ulong magnitude, int count) =>
        (magnitude & 1) != 0 ? -(long)((magnitude + 1) / 2) : (long)(magnitude / 2) + count;

    /// <summary>The number of bits after the leading one of u + 1: the b that is written in the 6-bit field.</summary>
    public static int BitLength(ulong magnitude) => 63 - System.Numerics.BitOperations.LeadingZeroCount(magnitude + 1);
}
