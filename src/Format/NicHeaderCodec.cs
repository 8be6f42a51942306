using System.Buffers;
using System.Buffers.Binary;

namespace Nic.Format;

/// <summary>The byte layout of the <c>HEAD</c> payload (spec/nic-format.md §7.1).</summary>
internal static class NicHeaderCodec
{
    /// <summary>The largest version 1.0 payload: the fixed fields plus a 64-byte name.</summary>
    public const int MaxLength = NicConstants.HeadFixedLength + NicConstants.MaxModelNameLength;

    /// <summary>The payload size of a header, 78 + the name length.</summary>
    public static int GetLength(NicHeader header) => NicConstants.HeadFixedLength + header.Model.Name.Length;

    /// <summary>Writes a validated header.</summary>
    /// <param name="header">A header that passed <see cref="NicHeader.Validate"/>.</param>
    /// <param name="destination">At least <see cref="GetLength"/> bytes.</param>
    public static void Write(NicHeader header, Span<byte> destination)
    {
        var name = header.Model.Name;
        var n = name.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[NicHeaderRules.WidthOffset..], (uint)header.Width);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[NicHeaderRules.HeightOffset..], (uint)header.Height);
        destination[NicHeaderRules.ChannelLayoutOffset] = (byte)header.ChannelLayout;
        destination[NicHeaderRules.PaddingRuleOffset] = (byte)header.PaddingRule;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[NicHeaderRules.AlignmentOffset..], (ushort)header.Alignment);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[NicHeaderRules.RatePointOffset..], (ushort)header.RatePoint);
        BinaryPrimitives.WriteSingleLittleEndian(destination[NicHeaderRules.RateParameterOffset..], header.RateParameter);
        destination[NicHeaderRules.ModelNameLengthOffset] = (byte)n;
        for (var i = 0; i < n; i++)
        {
            destination[NicHeaderRules.ModelNameOffset + i] = (byte)name[i];
        }

        header.Model.Sha256.CopyTo(destination[(NicHeaderRules.ModelHashOffset + n)..]);
        WriteShape(header.ZShape, destination[(NicHeaderRules.ZChannelsOffset + n)..]);
        WriteShape(header.YShape, destination[(NicHeaderRules.YChannelsOffset + n)..]);
        destination[NicHeaderRules.BandLayoutOffset + n] = (byte)header.BandLayout;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(NicHeaderRules.BandRowsOffset + n)..], (uint)header.BandRows);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[(NicHeaderRules.FlagsOffset + n)..], (ushort)header.Flags);
    }

    /// <summary>Parses and validates a <c>HEAD</c> payload whose CRC has been checked.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="minorVersion">
    /// The file's minor version; up to <see cref="NicConstants.MinorVersion"/> (whose <c>HEAD</c> is the 1.0 one) the payload
    /// must have exactly the 1.0 size, above it longer payloads are read and their extra bytes ignored (spec §4).
    /// </param>
    /// <param name="limits">The reader's limits.</param>
    /// <returns>The header.</returns>
    /// <exception cref="NicFormatException">A field is invalid or the payload has the wrong size.</exception>
    public static NicHeader Parse(ReadOnlySequence<byte> payload, int minorVersion, NicReaderOptions limits)
    {
        const long payloadOffset = NicConstants.HeadPayloadOffset;
        if (payload.Length <= NicHeaderRules.ModelNameLengthOffset)
        {
            throw new NicFormatException(
                NicFormatError.InvalidHeader,
                payloadOffset,
                $"the HEAD payload has {payload.Length} bytes; version 1.0 needs at least {NicConstants.HeadFixedLength + 1}.");
        }

        Span<byte> bytes = stackalloc byte[MaxLength];
        var available = (int)Math.Min(payload.Length, MaxLength);
        payload.Slice(0, available).CopyTo(bytes);
        bytes = bytes[..available];

        int n = bytes[NicHeaderRules.ModelNameLengthOffset];
        if (n is < 1 or > NicConstants.MaxModelNameLength)
        {
            throw new NicFormatException(
                NicFormatError.InvalidHeader,
                payloadOffset + NicHeaderRules.ModelNameLengthOffset,
                $"model name length {n} is not from 1 to {NicConstants.MaxModelNameLength}.");
        }

        var size = NicConstants.HeadFixedLength + n;
        if (payload.Length < size || (minorVersion <= NicConstants.MinorVersion && payload.Length != size))
        {
            throw new NicFormatException(
                NicFormatError.InvalidHeader,
                payloadOffset,
                $"the HEAD payload has {payload.Length} bytes; with a {n}-byte model name version 1.0 has {size}.");
        }

        var name = bytes.Slice(NicHeaderRules.ModelNameOffset, n);
        var fields = new NicHeaderFields(
            Width: ReadU32(bytes, NicHeaderRules.WidthOffset),
            Height: ReadU32(bytes, NicHeaderRules.HeightOffset),
            ChannelLayout: bytes[NicHeaderRules.ChannelLayoutOffset],
            PaddingRule: bytes[NicHeaderRules.PaddingRuleOffset],
            Alignment: ReadU16(bytes, NicHeaderRules.AlignmentOffset),
            RatePoint: ReadU16(bytes, NicHeaderRules.RatePointOffset),
            RateParameter: BinaryPrimitives.ReadSingleLittleEndian(bytes[NicHeaderRules.RateParameterOffset..]),
            ModelNameLength: n,
            ModelNameValid: NicModelId.IsValidName(name),
            ZChannels: ReadU16(bytes, NicHeaderRules.ZChannelsOffset + n),
            ZHeight: ReadU32(bytes, NicHeaderRules.ZHeightOffset + n),
            ZWidth: ReadU32(bytes, NicHeaderRules.ZWidthOffset + n),
            YChannels: ReadU16(bytes, NicHeaderRules.YChannelsOffset + n),
            YHeight: ReadU32(bytes, NicHeaderRules.YHeightOffset + n),
            YWidth: ReadU32(bytes, NicHeaderRules.YWidthOffset + n),
            BandLayout: bytes[NicHeaderRules.BandLayoutOffset + n],
            BandRows: ReadU32(bytes, NicHeaderRules.BandRowsOffset + n),
            Flags: ReadU16(bytes, NicHeaderRules.FlagsOffset + n));

        var problem = NicHeaderRules.Check(fields, limits, payloadOffset);
        if (problem is not null)
        {
            throw problem;
        }

        return new NicHeader
        {
            Width = (int)fields.Width,
            Height = (int)fields.Height,
            ChannelLayout = (NicChannelLayout)fields.ChannelLayout,
            PaddingRule = (NicPaddingRule)fields.PaddingRule,
            Alignment = (int)fields.Alignment,
            RatePoint = (int)fields.RatePoint,
            RateParameter = fields.RateParameter,
            Model = NicModelId.FromValidBytes(name, bytes.Slice(NicHeaderRules.ModelHashOffset + n, NicConstants.ModelHashLength)),
            ZShape = new NicLatentShape((int)fields.ZChannels, (int)fields.ZHeight, (int)fields.ZWidth),
            YShape = new NicLatentShape((int)fields.YChannels, (int)fields.YHeight, (int)fields.YWidth),
            BandLayout = (NicBandLayout)fields.BandLayout,
            BandRows = (int)fields.BandRows,
            Flags = (int)fields.Flags,
        };
    }

    private static long ReadU32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    private static long ReadU16(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);

    private static void WriteShape(NicLatentShape shape, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)shape.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[2..], (uint)shape.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[6..], (uint)shape.Width);
    }
}
