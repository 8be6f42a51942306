namespace Nic.Codec.Entropy;

/// <summary>How a rANS stream starts and ends (spec/nic-coding.md §2.5, §2.7). Both code the same symbols; only the bytes around them differ.</summary>
public enum RansStreamForm
{
    /// <summary>
    /// The form of every <c>.nic</c> band (§2.5): the coder starts at L = 2^31 and the stream begins with the final
    /// 64-bit state, so a stream is 8 + 4·K bytes and costs about 31 bits more than its information.
    /// </summary>
    Standard = 0,

    /// <summary>
    /// The compact form (§2.7) for short standalone strings: the coder starts at 1 and the final state is written
    /// in as few bytes as it needs, so a stream costs its information plus at most about 16 bits (a stream
    /// of symbols that carry no information can be empty).
    /// </summary>
    Compact = 1,
}
