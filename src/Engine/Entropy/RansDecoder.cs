using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// The rANS decoder core (spec/nic-coding.md §2): reads the initial 64-bit state, then one 32-bit word whenever
/// the state drops below L. Reading past the end is reported as <see cref="NicCodecError.EntropyPayloadTruncated"/>.
/// A compact stream (§2.7) starts from its variable-length head and stops renormalizing when its words run out.
/// </summary>
internal ref struct RansDecoder
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private readonly bool _compact;
    private ulong _state;

    public RansDecoder(ReadOnlySpan<byte> data, RansStreamForm form = RansStreamForm.Standard)
    {
        if (form == RansStreamForm.Compact)
        {
            _data = data;
            _compact = true;
            (_state, _position) = ReadCompactHead(data);
            return;
        }

        if (data.Length < RansConstants.StateBytes)
        {
            throw new NicCodecException(
                NicCodecError.EntropyPayloadTruncated,
                $"the payload has {data.Length} bytes; at least {RansConstants.StateBytes} are needed for the coder state");
        }

        if (data.Length % RansConstants.WordBytes != 0)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"the payload length {data.Length} is not a multiple of {RansConstants.WordBytes}; streams are whole 32-bit words");
        }

        _data = data;
        _state = BinaryPrimitives.ReadUInt64LittleEndian(data);
        _position = RansConstants.StateBytes;
        if (_state < RansConstants.LowerBound || _state >= 1UL << 63)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"the initial coder state 0x{_state:X16} lies outside [2^31, 2^63)");
        }
    }

    /// <summary>The current slot: the low 16 bits of the state, which select the next symbol.</summary>
    public readonly uint Slot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (uint)_state & (RansConstants.Total - 1);
    }

    /// <summary>Removes the symbol with interval [start, start + freq) that contains <see cref="Slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(uint start, uint freq, long symbolIndex)
    {
        ulong x = freq * (_state >> RansConstants.PrecisionBits) + ((uint)_state & (RansConstants.Total - 1)) - start;
        if (x < RansConstants.LowerBound)
        {
            if ((uint)_position >= (uint)_data.Length)
            {
                if (_compact)
                {
                    // A compact stream's first symbols (in encoding order) were pushed on a state below L.
                    _state = x;
                    return;
                }

                ThrowTruncated(symbolIndex);
            }

            x = (x << RansConstants.WordBits) | BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
            _position += RansConstants.WordBytes;
        }

        _state = x;
    }

    /// <summary>Reads <paramref name="bitCount"/> (1..16) raw bits coded by <see cref="RansEncoder.PutBits"/>.</summary>
    public uint GetBits(int bitCount, long symbolIndex)
    {
        int shift = RansConstants.PrecisionBits - bitCount;
        uint value = Slot >> shift;
        Advance(value << shift, 1u << shift, symbolIndex);
        return value;
    }

    /// <summary>Checks that the stream ended exactly: every byte consumed and the state back at L.</summary>
    public readonly void VerifyEnd(long symbolCount)
    {
        if (_position != _data.Length)
        {
            throw new NicCodecException(
                NicCodecError.EntropyPayloadCorrupt,
                $"{_data.Length - _position} bytes remain after the last symbol",
                symbolCount);
        }

        ulong initial = _compact ? RansConstants.CompactInitialState : RansConstants.LowerBound;
        if (_state != initial)
        {
            throw new NicCodecException(
                NicCodecError.EntropyPayloadCorrupt,
                $"the final coder state 0x{_state:X16} is not the initial state 0x{initial:X16}",
                symbolCount);
        }
    }

    /// <summary>§2.7: the state a compact stream starts from, and where its words begin.</summary>
    private static (ulong State, int Position) ReadCompactHead(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return (RansConstants.CompactInitialState, 0);
        }

        int headBytes = ((data.Length - 1) & (RansConstants.WordBytes - 1)) + 1;
        if (data[headBytes - 1] == 0)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, $"the compact stream's {headBytes}-byte head ends in a zero byte; a head has no leading zeros");
        }

        uint head = 0;
        for (int i = headBytes - 1; i >= 0; i--)
        {
            head = (head << 8) | data[i];
        }

        int position = headBytes;
        ulong state = head;
        if (head < RansConstants.LowerBound && position < data.Length)
        {
            state = ((ulong)head << RansConstants.WordBits) | BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
            position += RansConstants.WordBytes;
        }
        else if (position == data.Length && state == RansConstants.CompactInitialState)
        {
            throw new NicCodecException(NicCodecError.EntropyPayloadCorrupt, "the compact stream holds only the initial state, which is coded as the empty stream");
        }

        return (state, position);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated(long symbolIndex) =>
        throw new NicCodecException(NicCodecError.EntropyPayloadTruncated, "the payload ended before the last symbol", symbolIndex);
}
