using Nic.Codec.Pipeline;

namespace Nic.ImageSharp;

/// <summary>The codec a plugin object uses when it is given none: one shared instance over the shipped models.</summary>
internal static class NicCodecs
{
    private static readonly Lazy<NicCodec> Shared = new(() => new NicCodec());

    public static NicCodec Default => Shared.Value;
}
