using Nic.Codec;
using SixLabors.ImageSharp;

namespace Nic.ImageSharp;

/// <summary>
/// Registers the <c>.nic</c> format with an ImageSharp <see cref="Configuration"/>:
/// <c>Configuration.Default.Configure(new NicConfigurationModule())</c>, after which <c>Image.Load("x.nic")</c>,
/// <c>Image.Identify</c> and <c>image.Save("y.nic")</c> work; or
/// <c>new Configuration(new NicConfigurationModule(), new PngConfigurationModule())</c> for a configuration that knows
/// only the formats it is given.
/// </summary>
public sealed class NicConfigurationModule : IConfigurationModule
{
    private readonly NicCodec? _codec;

    /// <summary>A module whose decoder and encoder use the shipped models.</summary>
    public NicConfigurationModule()
    {
    }

    /// <summary>A module whose decoder and encoder use <paramref name="codec"/>.</summary>
    public NicConfigurationModule(NicCodec codec) => _codec = codec ?? throw new ArgumentNullException(nameof(codec));

    /// <inheritdoc/>
    public void Configure(Configuration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.ImageFormatsManager.SetEncoder(NicFormat.Instance, _codec is null ? new NicEncoder() : new NicEncoder(_codec));
        configuration.ImageFormatsManager.SetDecoder(NicFormat.Instance, _codec is null ? new NicDecoder() : new NicDecoder(_codec));
        configuration.ImageFormatsManager.AddImageFormatDetector(new NicImageFormatDetector());
    }
}
