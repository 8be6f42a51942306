namespace Nic.Format;

/// <summary>
/// The validation rules of the <c>HEAD</c> fields (spec/nic-format.md §7.1, §7.2, §7.3, §8),
/// applied in the order of the field table; the first failure is returned.
/// </summary>
internal static class NicHeaderRules
{
    /// <summary>Offsets of the fields inside the <c>HEAD</c> payload (those after the name add its length).</summary>
    internal const int WidthOffset = 0;
    internal const int HeightOffset = 4;
    internal const int ChannelLayoutOffset = 8;
    internal const int PaddingRuleOffset = 9;
    internal const int AlignmentOffset = 10;
    internal const int RatePointOffset = 12;
    internal const int RateParameterOffset = 14;
    internal const int ModelNameLengthOffset = 18;
    internal const int ModelNameOffset = 19;
    internal const int ModelHashOffset = 19;
    internal const int ZChannelsOffset = 51;
    internal const int ZHeightOffset = 53;
    internal const int ZWidthOffset = 57;
    internal const int YChannelsOffset = 61;
    internal const int YHeightOffset = 63;
    internal const int YWidthOffset = 67;
    internal const int BandLayoutOffset = 71;
    internal const int BandRowsOffset = 72;
    internal const int FlagsOffset = 76;

    /// <summary>Checks the fields.</summary>
    /// <param name="f">The fields.</param>
    /// <param name="limits">Reader limits, or null for the format's rules only.</param>
    /// <param name="payloadOffset">The file offset of the <c>HEAD</c> payload, added to every reported offset.</param>
    /// <returns>The first violation, or null.</returns>
    public static NicFormatException? Check(in NicHeaderFields f, NicReaderOptions? limits, long payloadOffset)
    {
        var n = f.ModelNameLength;

        NicFormatException Fail(NicFormatError error, int fieldOffset, string detail) =>
            new(error, payloadOffset + fieldOffset, detail);

        var maxWidth = limits?.MaxWidth ?? NicConstants.MaxImageDimension;
        var maxHeight = limits?.MaxHeight ?? NicConstants.MaxImageDimension;
        if (f.Width < 1)
        {
            return Fail(NicFormatError.InvalidHeader, WidthOffset, $"width is {f.Width}; it must be at least 1.");
        }

        if (f.Width > maxWidth)
        {
            return Fail(NicFormatError.ImageTooLarge, WidthOffset, $"width {f.Width} is above the limit {maxWidth}.");
        }

        if (f.Height < 1)
        {
            return Fail(NicFormatError.InvalidHeader, HeightOffset, $"height is {f.Height}; it must be at least 1.");
        }

        if (f.Height > maxHeight)
        {
            return Fail(NicFormatError.ImageTooLarge, HeightOffset, $"height {f.Height} is above the limit {maxHeight}.");
        }

        if (limits is not null && f.Width * f.Height > limits.MaxPixels)
        {
            return Fail(
                NicFormatError.ImageTooLarge,
                WidthOffset,
                $"{f.Width} × {f.Height} = {f.Width * f.Height} pixels is above the limit {limits.MaxPixels}.");
        }

        if (f.ChannelLayout != (long)NicChannelLayout.Rgb8)
        {
            return Fail(
                NicFormatError.UnsupportedChannelLayout,
                ChannelLayoutOffset,
                $"channel layout {f.ChannelLayout} is not supported by version 1.0 (only 1 = RGB 8-bit).");
        }

        if (f.PaddingRule != (long)NicPaddingRule.ReplicateEdges)
        {
            return Fail(NicFormatError.InvalidHeader, PaddingRuleOffset, $"padding rule {f.PaddingRule} is not defined.");
        }

        if (f.Alignment is < 1 or > NicConstants.MaxAlignment || (f.Alignment & (f.Alignment - 1)) != 0)
        {
            return Fail(
                NicFormatError.InvalidHeader,
                AlignmentOffset,
                $"alignment {f.Alignment} is not a power of two from 1 to {NicConstants.MaxAlignment}.");
        }

        if (f.RatePoint is < 0 or > ushort.MaxValue)
        {
            return Fail(NicFormatError.InvalidHeader, RatePointOffset, $"rate point {f.RatePoint} does not fit 16 bits.");
        }

        if (!float.IsFinite(f.RateParameter))
        {
            return Fail(NicFormatError.InvalidHeader, RateParameterOffset, $"rate parameter {f.RateParameter} is not finite.");
        }

        if (n is < 1 or > NicConstants.MaxModelNameLength)
        {
            return Fail(
                NicFormatError.InvalidHeader,
                ModelNameLengthOffset,
                $"model name length {n} is not from 1 to {NicConstants.MaxModelNameLength}.");
        }

        if (!f.ModelNameValid)
        {
            return Fail(NicFormatError.InvalidHeader, ModelNameOffset, "the model name has characters other than a-z 0-9 . _ -.");
        }

        var zEmpty = f.ZChannels == 0 && f.ZHeight == 0 && f.ZWidth == 0;
        if (!zEmpty)
        {
            var problem = CheckShape("z", f.ZChannels, f.ZHeight, f.ZWidth, ZChannelsOffset + n, limits, payloadOffset);
            if (problem is not null)
            {
                return problem;
            }
        }

        var yProblem = CheckShape("y", f.YChannels, f.YHeight, f.YWidth, YChannelsOffset + n, limits, payloadOffset);
        if (yProblem is not null)
        {
            return yProblem;
        }

        if (f.BandLayout != (long)NicBandLayout.HorizontalRows)
        {
            return Fail(NicFormatError.InvalidHeader, BandLayoutOffset + n, $"band layout {f.BandLayout} is not defined.");
        }

        if (f.BandRows < 1 || f.BandRows > f.YHeight)
        {
            return Fail(
                NicFormatError.InvalidHeader,
                BandRowsOffset + n,
                $"band rows {f.BandRows} is not from 1 to the y height {f.YHeight}.");
        }

        var bandCount = (f.YHeight + f.BandRows - 1) / f.BandRows;
        if (limits is not null && bandCount > limits.MaxBands)
        {
            return Fail(
                NicFormatError.LimitExceeded,
                BandRowsOffset + n,
                $"{bandCount} bands is above the limit {limits.MaxBands}.");
        }

        if (f.Flags != 0)
        {
            return Fail(NicFormatError.InvalidHeader, FlagsOffset + n, $"flags are 0x{f.Flags:X}; version 1.0 requires 0.");
        }

        return null;
    }

    private static NicFormatException? CheckShape(
        string name, long channels, long height, long width, int channelsOffset, NicReaderOptions? limits, long payloadOffset)
    {
        // channels (u16) at channelsOffset, height (u32) at +2, width (u32) at +6.
        if (channels is < 1 or > ushort.MaxValue)
        {
            return new(NicFormatError.InvalidHeader, payloadOffset + channelsOffset, $"{name} channels {channels} is not from 1 to 65535.");
        }

        if (height < 1)
        {
            return new(NicFormatError.InvalidHeader, payloadOffset + channelsOffset + 2, $"{name} height {height} is not at least 1.");
        }

        if (width < 1)
        {
            return new(NicFormatError.InvalidHeader, payloadOffset + channelsOffset + 6, $"{name} width {width} is not at least 1.");
        }

        if (height > int.MaxValue || width > int.MaxValue)
        {
            return new(
                NicFormatError.LimitExceeded,
                payloadOffset + channelsOffset,
                $"{name} shape {channels}x{height}x{width} has a dimension above 2^31 - 1.");
        }

        var elements = (UInt128)(ulong)channels * (ulong)height * (ulong)width;
        if (limits is not null && elements > (UInt128)(ulong)limits.MaxLatentElements)
        {
            return new(
                NicFormatError.LimitExceeded,
                payloadOffset + channelsOffset,
                $"{name} shape {channels}x{height}x{width} has {elements} elements, above the limit {limits.MaxLatentElements}.");
        }

        return null;
    }
}
