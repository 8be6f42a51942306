namespace Nic.Codec.Entropy;

/// <summary>The fixed parameters of the Nic rANS coder (spec/nic-coding.md §2).</summary>
internal static class RansConstants
{
    /// <summary>Bits of CDF precision: every CDF sums to 2^16.</summary>
    public const int PrecisionBits = 16;

    /// <summary>The total of every quantized CDF, 2^16.</summary>
    public const int Total = 1 << PrecisionBits;

    /// <summary>The lower bound L of the 64-bit coder state; the state always lies in [L, 2^63).</summary>
    public const ulong LowerBound = 1UL << 31;

    /// <summary>The initial (and final) state of a compact stream (spec/nic-coding.md §2.7).</summary>
    public const ulong CompactInitialState = 1;

    /// <summary>Bits moved per renormalization step (one little-endian 32-bit word).</summary>
    public const int WordBits = 32;

    /// <summary>Bytes per renormalization word.</summary>
    public const int WordBytes = WordBits / 8;

    /// <summary>Bytes of the flushed final state at the start of every stream.</summary>
    public const int StateBytes = 8;

    /// <summary>Bits used to code the bit length of an escaped value.</summary>
    public const int EscapeLengthBits = 6;

    /// <summary>The largest bit length an escaped value can have (a difference of two 32-bit integers, mapped to u, makes u + 1 (values are 32-bit, the mapped magnitude 33-bit)lt; 2^33).</summary>
    public const int MaxEscapeLength = 32;

    /// <summary>Bits per raw group of an escaped value.</summary>
    public const int EscapeGroupBits = 16;
}
