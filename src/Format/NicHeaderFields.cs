namespace Nic.Format;

/// <summary>
/// The numeric <c>HEAD</c> fields as wide integers, so that values read from a file and
/// values set on a <see cref="NicHeader"/> are checked by the same rules.
/// </summary>
internal readonly record struct NicHeaderFields(
    long Width,
    long Height,
    long ChannelLayout,
    long PaddingRule,
    long Alignment,
    long RatePoint,
    float RateParameter,
    int ModelNameLength,
    bool ModelNameValid,
    long ZChannels,
    long ZHeight,
    long ZWidth,
    long YChannels,
    long YHeight,
    long YWidth,
    long BandLayout,
    long BandRows,
    long Flags)
{
    public static NicHeaderFields From(NicHeader header) => new(
        header.Width,
        header.Height,
        (long)header.ChannelLayout,
        (long)header.PaddingRule,
        header.Alignment,
        header.RatePoint,
        header.RateParameter,
        header.Model.Name.Length,
        NicModelId.IsValidName(header.Model.Name),
        header.ZShape.Channels,
        header.ZShape.Height,
        header.ZShape.Width,
        header.YShape.Channels,
        header.YShape.Height,
        header.YShape.Width,
        (long)header.BandLayout,
        header.BandRows,
        header.Flags);
}
