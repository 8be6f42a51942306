using Microsoft.Extensions.DependencyInjection;

namespace Nic.Codec.DependencyInjection;

/// <summary>
/// Returned by <c>AddNeuralImageCodec</c> to configure the codec further: another inference backend
/// (<c>.UseTorchSharp(device)</c> from Nic.Torch), integrations (<c>.AddImageSharp()</c>).
/// </summary>
public sealed class NicCodecBuilder
{
    internal NicCodecBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the codec is registered in.</summary>
    public IServiceCollection Services { get; }
}
