using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// An ANS stack (spec/nic-coding.md §12): one rANS state on which symbols are pushed (encoded) and popped (decoded)
/// in any interleaving, last in first out, under any distribution quantized to 2^16 — the coder of bits-back coding,
/// where popping a symbol under a distribution samples it with bits taken from the message.
/// </summary>
/// <remarks>
/// <para>
/// The state and the renormalization are §2's: a 64-bit state in [2^31, 2^63) and 32-bit words, which here form a
/// stack above the state. A new stack (<see cref="AnsStack(ulong)"/>) starts from a state and an unbounded supply of
/// clean words, both drawn from a seed (§12.2), so that the first pops have bits to take. <see cref="ToMessage"/>
/// writes the state and the words in §2.5's layout, leaving out the supply words nothing took; a stack opened from a
/// message (<see cref="FromMessage"/>) has no supply, and after every push has been popped and every pop pushed
/// back, <see cref="VerifyInitial"/> checks that it is back at its seed.
/// </para>
/// <para>A push or pop names its symbol's interval [start, start + frequency) of the total 2^16.</para>
/// </remarks>
public sealed class AnsStack
{
    /// <summary>Bits of precision of every distribution: frequencies total 2^16.</summary>
    public const int PrecisionBits = RansConstants.PrecisionBits;

    /// <summary>A push may emit a word when the state reaches freq · 2^(63 − 16) (§2.3).</summary>
    private const int LimitShift = 63 - RansConstants.PrecisionBits;

    private readonly ulong _seed;
    private readonly bool _hasSupply;
    private uint[] _words;
    private int _count;
    private ulong _state;
    private long _supplyUsed;

    /// <summary>Starts a new stack at the seeded state with the seeded supply of clean words beneath it (§12.2).</summary>
    /// <param name="seed">The seed of the initial state and of the supply; the receiver of the message needs it to check the end.</param>
    public AnsStack(ulong seed)
        : this(seed, InitialState(seed), [], 0, hasSupply: true)
    {
    }

    private AnsStack(ulong seed, ulong state, uint[] words, int count, bool hasSupply)
    {
        _seed = seed;
        _state = state;
        _words = words.Length == 0 ? new uint[64] : words;
        _count = count;
        _hasSupply = hasSupply;
    }

    /// <summary>The current 64-bit state (for tests and diagnostics).</summary>
    public ulong State => _state;

    /// <summary>The words above the state (those a message holds), not counting the supply.</summary>
    public int WordCount => _count;

    /// <summary>How many supply words pops have taken so far (a new stack only): the borrowed initial bits are 32 per word plus the state's 64.</summary>
    public long SupplyWordsUsed => _supplyUsed;

    /// <summary>The length in bits that <see cref="ToMessage"/> would write: 64 + 32 per word.</summary>
    public long MessageBits => (RansConstants.StateBytes + ((long)_count * RansConstants.WordBytes)) * 8;

    /// <summary>The slot the next pop reads: the low 16 bits of the state. The symbol popped is the one whose interval contains it.</summary>
    public uint Slot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (uint)_state & (RansConstants.Total - 1);
    }

    /// <summary>The seeded initial state of §12.2: 2^62 + (r₁ >> 2), r₁ the seed's first SplitMix64 output.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>A state in [2^62, 2^63).</returns>
    public static ulong InitialState(ulong seed)
    {
        ulong s = seed;
        return (1UL << 62) | (SplitMix64.Next(ref s) >> 2);
    }

    /// <summary>The <paramref name="index"/>-th supply word of §12.2 (index 0 is the first a pop takes).</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="index">The word's index, 0 or more.</param>
    /// <returns>The word.</returns>
    public static uint SupplyWord(ulong seed, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ulong s = seed + ((ulong)(index / 2 + 2) * SplitMix64.Gamma);
        ulong r = SplitMix64.Mix(s);
        return index % 2 == 0 ? (uint)r : (uint)(r >> 32);
    }

    /// <summary>Opens a message written by <see cref="ToMessage"/> (§12.3). The stack has no supply: a pop that needs a word the message lacks fails.</summary>
    /// <param name="message">The message: the state (u64 LE), then the words (u32 LE) from the top of the stack down.</param>
    /// <param name="seed">The seed the message was started from.</param>
    /// <returns>The stack.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.AnsStackCorrupt"/> when the length is not 8 + 4k bytes or the state lies outside [2^31, 2^63).</exception>
    public static AnsStack FromMessage(ReadOnlySpan<byte> message, ulong seed)
    {
        if (message.Length < RansConstants.StateBytes || (message.Length - RansConstants.StateBytes) % RansConstants.WordBytes != 0)
        {
            throw new NicCodecException(NicCodecError.AnsStackCorrupt, $"a stack message is 8 + 4k bytes, not {message.Length}");
        }

        ulong state = BinaryPrimitives.ReadUInt64LittleEndian(message);
        if (state < RansConstants.LowerBound || state >= 1UL << 63)
        {
            throw new NicCodecException(NicCodecError.AnsStackCorrupt, $"the message's state 0x{state:X16} lies outside [2^31, 2^63)");
        }

        int count = (message.Length - RansConstants.StateBytes) / RansConstants.WordBytes;
        var words = new uint[Math.Max(64, count + 16)];
        ReadOnlySpan<byte> body = message[RansConstants.StateBytes..];
        for (int i = 0; i < count; i++)
        {
            // The first word in the message is the top of the stack, the last index of the array.
            words[count - 1 - i] = BinaryPrimitives.ReadUInt32LittleEndian(body[(i * RansConstants.WordBytes)..]);
        }

        return new AnsStack(seed, state, words, count, hasSupply: false);
    }

    /// <summary>Pushes the symbol whose interval is [<paramref name="start"/>, <paramref name="start"/> + <paramref name="frequency"/>) (§2.3).</summary>
    /// <param name="start">The interval's start, below 2^16.</param>
    /// <param name="frequency">The interval's length, 1..2^16 − start.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is empty or leaves [0, 2^16).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(uint start, uint frequency)
    {
        if (frequency == 0 || start + (ulong)frequency > RansConstants.Total)
        {
            ThrowBadInterval(start, frequency);
        }

        ulong x = _state;
        if (x >= (ulong)frequency << LimitShift)
        {
            Emit((uint)x);
            x >>= RansConstants.WordBits;
        }

        ulong q = x / frequency;
        _state = (q << RansConstants.PrecisionBits) + (x - (q * frequency)) + start;
    }

    /// <summary>Pops the symbol whose interval [<paramref name="start"/>, <paramref name="start"/> + <paramref name="frequency"/>) contains <see cref="Slot"/> (§2.2).</summary>
    /// <param name="start">The interval's start.</param>
    /// <param name="frequency">The interval's length.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval does not contain the slot.</exception>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.AnsStackExhausted"/> when the state needs a word and a stack opened from a message has none left.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Pop(uint start, uint frequency)
    {
        uint slot = Slot;
        if (slot - start >= frequency || start + (ulong)frequency > RansConstants.Total)
        {
            ThrowSlotOutside(start, frequency, slot);
        }

        ulong x = (frequency * (_state >> RansConstants.PrecisionBits)) + slot - start;
        if (x < RansConstants.LowerBound)
        {
            x = (x << RansConstants.WordBits) | TakeWord();
        }

        _state = x;
    }

    /// <summary>Pushes <paramref name="bitCount"/> (1..16) raw bits as a uniform symbol (§2.4).</summary>
    /// <param name="value">The bits, below 2^bitCount.</param>
    /// <param name="bitCount">1..16.</param>
    public void PushBits(uint value, int bitCount)
    {
        CheckBitCount(bitCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, 1u << bitCount);
        int shift = RansConstants.PrecisionBits - bitCount;
        Push(value << shift, 1u << shift);
    }

    /// <summary>Pops <paramref name="bitCount"/> (1..16) raw bits pushed by <see cref="PushBits"/>.</summary>
    /// <param name="bitCount">1..16.</param>
    /// <returns>The bits.</returns>
    public uint PopBits(int bitCount)
    {
        CheckBitCount(bitCount);
        int shift = RansConstants.PrecisionBits - bitCount;
        uint value = Slot >> shift;
        Pop(value << shift, 1u << shift);
        return value;
    }

    /// <summary>Pushes <paramref name="symbol"/> under a quantized CDF <c>c₀ = 0 ≤ c₁ ≤ … ≤ cₙ = 2^16</c> (symbol s has [c_s, c_{s+1}); symbols of frequency 0 cannot be pushed).</summary>
    /// <param name="symbol">The symbol, 0..n − 1.</param>
    /// <param name="cdf">The CDF, n + 1 entries.</param>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidCdf"/> for a CDF that does not start at 0 and end at 2^16; <see cref="NicCodecError.SymbolOutOfRange"/> for a symbol outside the CDF or of frequency 0.</exception>
    public void Push(int symbol, ReadOnlySpan<int> cdf)
    {
        CheckCdfEnds(cdf);
        if ((uint)symbol >= (uint)(cdf.Length - 1) || cdf[symbol + 1] <= cdf[symbol])
        {
            throw new NicCodecException(NicCodecError.SymbolOutOfRange, $"symbol {symbol} has no interval in the {cdf.Length - 1}-symbol CDF");
        }

        Push((uint)cdf[symbol], (uint)(cdf[symbol + 1] - cdf[symbol]));
    }

    /// <summary>Pops a symbol under a quantized CDF (see <see cref="Push(int, ReadOnlySpan{int})"/>), finding its interval by bisection.</summary>
    /// <param name="cdf">The CDF, non-decreasing from 0 to 2^16.</param>
    /// <returns>The symbol.</returns>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.InvalidCdf"/> for a CDF that does not start at 0 and end at 2^16 or falls at the slot; <see cref="NicCodecError.AnsStackExhausted"/> as for <see cref="Pop(uint, uint)"/>.</exception>
    public int Pop(ReadOnlySpan<int> cdf)
    {
        CheckCdfEnds(cdf);
        uint slot = Slot;
        int low = 0, high = cdf.Length - 1; // invariant: cdf[low] ≤ slot < cdf[high]
        while (high - low > 1)
        {
            int middle = (low + high) >>> 1;
            if ((uint)cdf[middle] <= slot)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        if (cdf[low] > slot || cdf[low + 1] <= slot)
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, "the CDF is not non-decreasing");
        }

        Pop((uint)cdf[low], (uint)(cdf[low + 1] - cdf[low]));
        return low;
    }

    /// <summary>Writes the message (§12.3): the state (u64 LE), then the words from the top of the stack down (u32 LE), without the supply words nothing took.</summary>
    /// <returns>8 + 4k bytes.</returns>
    public byte[] ToMessage()
    {
        var message = new byte[RansConstants.StateBytes + ((long)_count * RansConstants.WordBytes)];
        BinaryPrimitives.WriteUInt64LittleEndian(message, _state);
        Span<byte> body = message.AsSpan(RansConstants.StateBytes);
        for (int i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body[(i * RansConstants.WordBytes)..], _words[_count - 1 - i]);
        }

        return message;
    }

    /// <summary>
    /// The end check of §12.4: the state is the seed's initial state and the words left are exactly the supply words
    /// the encoder's pops took, in order — as they are once every symbol of a message has been undone.
    /// </summary>
    /// <exception cref="NicCodecException"><see cref="NicCodecError.AnsStackCorrupt"/> when the stack is not back at its start.</exception>
    public void VerifyInitial()
    {
        ulong initial = InitialState(_seed);
        if (_state != initial)
        {
            throw new NicCodecException(NicCodecError.AnsStackCorrupt, $"the final state 0x{_state:X16} is not the seed's initial state 0x{initial:X16}");
        }

        // Top of the stack down: supply words 0, 1, 2, … (the last the encoder took lies lowest).
        for (int i = 0; i < _count; i++)
        {
            if (_words[_count - 1 - i] != SupplyWord(_seed, i))
            {
                throw new NicCodecException(NicCodecError.AnsStackCorrupt, $"word {i} left on the stack is not the seed's supply word {i}; the message had bits that no symbol took");
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint TakeWord()
    {
        if (_count > 0)
        {
            return _words[--_count];
        }

        if (!_hasSupply)
        {
            ThrowExhausted();
        }

        return SupplyWord(_seed, _supplyUsed++);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Emit(uint word)
    {
        if (_count == _words.Length)
        {
            Array.Resize(ref _words, checked(_words.Length * 2));
        }

        _words[_count++] = word;
    }

    private static void CheckCdfEnds(ReadOnlySpan<int> cdf)
    {
        if (cdf.Length < 2 || cdf[0] != 0 || cdf[^1] != RansConstants.Total)
        {
            throw new NicCodecException(NicCodecError.InvalidCdf, $"a stack CDF has at least 2 entries, from 0 to {RansConstants.Total}");
        }
    }

    private static void CheckBitCount(int bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitCount, RansConstants.PrecisionBits);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadInterval(uint start, uint frequency) =>
        throw new ArgumentOutOfRangeException(nameof(frequency), $"the interval [{start}, {start + (ulong)frequency}) is empty or leaves [0, {RansConstants.Total})");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSlotOutside(uint start, uint frequency, uint slot) =>
        throw new ArgumentOutOfRangeException(nameof(start), $"the interval [{start}, {start + (ulong)frequency}) does not contain the slot {slot}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowExhausted() =>
        throw new NicCodecException(NicCodecError.AnsStackExhausted, "a pop needed a word and the message has none left (truncated or not a message of this stack)");
}
