using Microsoft.Extensions.DependencyInjection;
using Nic.Codec.DependencyInjection;
using Nic.Codec;
using SixLabors.ImageSharp;

namespace Nic.ImageSharp;

/// <summary>Makes a container's ImageSharp <see cref="Configuration"/> read and write <c>.nic</c> with the container's codec.</summary>
public static class NicImageSharpServiceCollectionExtensions
{
    /// <summary>
    /// Registers an ImageSharp <see cref="Configuration"/> of its own (ImageSharp's built-in formats and <c>.nic</c>;
    /// <see cref="Configuration.Default"/> is left alone) whose <c>.nic</c> decoder and encoder use the registered
    /// <see cref="NicCodec"/>, its models and backend.
    /// </summary>
    /// <example><code>services.AddNeuralImageCodec().AddImageSharp(); … Image.Load(provider.GetRequiredService&lt;Configuration&gt;(), "x.nic");</code></example>
    public static NicCodecBuilder AddImageSharp(this NicCodecBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(provider => NicImageSharpConfiguration.Create(provider.GetRequiredService<NicCodec>()));
        return builder;
    }
}
