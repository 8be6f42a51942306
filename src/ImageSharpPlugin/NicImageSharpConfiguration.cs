using Nic.Codec;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;

namespace Nic.ImageSharp;

/// <summary>ImageSharp configurations that know <c>.nic</c> beside ImageSharp's own formats.</summary>
public static class NicImageSharpConfiguration
{
    /// <summary>
    /// A new configuration with ImageSharp 2.1's built-in formats (PNG, JPEG, GIF, BMP, PBM, TGA, TIFF, WebP) and
    /// <c>.nic</c> over <paramref name="codec"/>. It has its own format registry: <see cref="Configuration.Clone"/> shares
    /// the registry with the original, so configuring a clone would change <see cref="Configuration.Default"/> too.
    /// For untrusted input, prefer a configuration with only the formats needed:
    /// <c>new Configuration(new NicConfigurationModule(codec), new PngConfigurationModule())</c>.
    /// </summary>
    public static Configuration Create(NicCodec codec) => new(
        new PngConfigurationModule(),
        new JpegConfigurationModule(),
        new GifConfigurationModule(),
        new BmpConfigurationModule(),
        new PbmConfigurationModule(),
        new TgaConfigurationModule(),
        new TiffConfigurationModule(),
        new WebpConfigurationModule(),
        new NicConfigurationModule(codec ?? throw new ArgumentNullException(nameof(codec))));
}
