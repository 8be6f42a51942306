using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// The rANS encoder core (spec/nic-coding.md §2): a 64-bit state in [2^31, 2^63) renormalized by 32-bit words.
/// Symbols are pushed in reverse decoding order; each push names the symbol's interval [start, start + freq) of
/// the 2^16 total. Words are collected in emission order and reversed by <see cref="Finish"/>, so the stream reads
/// forward. The stream form (§2.5 or §2.7) decides the initial state and how <see cref="Finish"/> writes the final one.
/// </summary>
internal sealed class RansEncoder : IDisposable
{
    /// <summary>A push may emit a word when the state reaches freq · 2^(63 − 16).</summary>
    private const int LimitShift = 63 - RansConstants.PrecisionBits;

    private uint[] _words;
    private int _count;
    private readonly RansStreamForm _form;
    private ulong _state;

    public RansEncoder(int expectedSymbols, RansStreamForm form = RansStreamForm.Standard)
    {
        _form = form;
        _state = form == RansStreamForm.Compact ? RansConstants.CompactInitialState : RansConstants.LowerBound;
        _words = ArrayPool<uint>.Shared.Rent(Math.Max(64, expectedSymbols / 4 + 16));
    }

    /// <summary>Pushes one symbol with cumulative frequency <paramref name="start"/> and frequency <paramref name="freq"/> (1..2^16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint start, uint freq)
    {
        ulong x = _state;
        if (x >= (ulong)freq << LimitShift)
        {
            Emit((uint)x);
            x >>= RansConstants.WordBits;
        }

        ulong q = x / freq;
        _state = (q << RansConstants.PrecisionBits) + (x - q * freq) + start;
    }

    /// <summary>Pushes <paramref name="bitCount"/> (1..16) raw bits as a uniform symbol.</summary>
    public void PutBits(uint value, int bitCount)
    {
        int shift = RansConstants.PrecisionBits - bitCount;
        Put(value << shift, 1u << shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Emit(uint word)
    {
        if (_count == _words.Length)
        {
            Grow();
        }

        _words[_count++] = word;
    }

    private void Grow()
    {
        uint[] bigger = ArrayPool<uint>.Shared.Rent(checked(_words.Length * 2));
        _words.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<uint>.Shared.Return(_words);
        _words = bigger;
    }

    /// <summary>
    /// Flushes the state and returns the finished stream: in the standard form the state (u64 LE), then the words
    /// (u32 LE) in decoding order; in the compact form §2.7's head, then the words.
    /// </summary>
    public byte[] Finish()
    {
        if (_form == RansStreamForm.Compact)
        {
            return FinishCompact();
        }

        var output = new byte[RansConstants.StateBytes + _count * RansConstants.WordBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(output, _state);
        Span<byte> body = output.AsSpan(RansConstants.StateBytes);
        for (int i = 0, j = _count - 1; j >= 0; i += RansConstants.WordBytes, j--)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body[i..], _words[j]);
        }

        return output;
    }

    private byte[] FinishCompact()
    {
        ulong x = _state;
        if (x == RansConstants.CompactInitialState && _count == 0)
        {
            return [];
        }

        // A state of 2^32 or more moves its low word into the stream first, like a renormalization; the head is
        // then below 2^31, which tells the decoder to take that word back (§2.7).
        bool flush = x >> RansConstants.WordBits != 0;
        uint head = flush ? (uint)(x >> RansConstants.WordBits) : (uint)x;
        int headBytes = head < 1u << 8 ? 1 : head < 1u << 16 ? 2 : head < 1u << 24 ? 3 : 4;
        int words = _count + (flush ? 1 : 0);
        var output = new byte[headBytes + (words * RansConstants.WordBytes)];
        for (int i = 0; i < headBytes; i++)
        {
            output[i] = (byte)(head >> (8 * i));
        }

        Span<byte> body = output.AsSpan(headBytes);
        if (flush)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)x);
            body = body[RansConstants.WordBytes..];
        }

        for (int i = 0, j = _count - 1; j >= 0; i += RansConstants.WordBytes, j--)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body[i..], _words[j]);
        }

        return output;
    }

    public void Dispose()
    {
        if (_words.Length > 0)
        {
            ArrayPool<uint>.Shared.Return(_words);
            _words = [];
        }
    }
}
