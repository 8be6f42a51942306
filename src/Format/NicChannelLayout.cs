namespace Nic.Format;

/// <summary>The sample layout of the coded image (spec/nic-format.md §7.1, <c>channel_layout</c>).</summary>
public enum NicChannelLayout
{
    /// <summary>RGB, 8 bits per sample, interleaved. The only layout of version 1.0.</summary>
    Rgb8 = 1,

    /// <summary>Grey, 8 bits per sample. Reserved for a later version.</summary>
    Grey8 = 2,

    /// <summary>RGBA, 8 bits per sample. Reserved for a later version.</summary>
    Rgba8 = 3,

    /// <summary>RGB, 16 bits per sample. Reserved for a later version.</summary>
    Rgb16 = 4,

    /// <summary>Grey, 16 bits per sample. Reserved for a later version.</summary>
    Grey16 = 5,
}
