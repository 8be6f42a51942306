using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// The rANS encoder core (spec/nic-coding.md §2): a 64-bit state in [2^31, 2^63) renormalized by 32-bit words.
/// Symbols are pushed in reverse decoding order; each push names the symbol's interval [start, start + freq) of
/// the 2^16 total. Words are collected in emission order and reversed by <see cref="Finish"/>, so the stream reads
/// forward.
/// </summary>
internal sealed class RansEncoder : IDisposable
{
    /// <summary>A push may emit a word when the state reaches freq · 2^(63 − 16).</summary>
    private const int LimitShift = 63 - RansConstants.PrecisionBits;

    private uint[] _words;
    private int _count;
    private ulong _state = RansConstants.LowerBound;

    public RansEncoder(int expectedSymbols)
    {
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

    /// <summary>Flushes the state and returns the finished stream: the state (u64 LE), then the words (u32 LE) in decoding order.</summary>
    public byte[] Finish()
    {
        var output = new byte[RansConstants.StateBytes + _count * RansConstants.WordBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(output, _state);
        Span<byte> body = output.AsSpan(RansConstants.StateBytes);
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
