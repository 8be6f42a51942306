using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nic.Codec.Entropy;

/// <summary>
/// The rANS decoder core (spec/nic-coding.md §2): reads the initial 64-bit state, then one 32-bit word whenever
/// the state drops below L. Reading past the end is reported as <see cref="NicCodecError.EntropyPayloadTruncated"/>.
/// </summary>
internal ref struct RansDecoder
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private ulong _state;

    public RansDecoder(ReadOnlySpan<byte> data)
    {
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

        if (_state != RansConstants.LowerBound)
        {
            throw new NicCodecException(
                NicCodecError.EntropyPayloadCorrupt,
                $"the final coder state 0x{_state:X16} is not the initial state 0x{RansConstants.LowerBound:X16}",
                symbolCount);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated(long symbolIndex) =>
        throw new NicCodecException(NicCodecError.EntropyPayloadTruncated, "the payload ended before the last symbol", symbolIndex);
}
