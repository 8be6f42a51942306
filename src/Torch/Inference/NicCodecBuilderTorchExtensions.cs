using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Nic.Codec;
using Nic.Codec.DependencyInjection;
using Nic.Codec.Inference;
using TorchSharp;

namespace Nic.Torch.Inference;

/// <summary>Selects TorchSharp as the backend, or as the latent optimizer, of a codec registered with <c>AddNeuralImageCodec</c>.</summary>
public static class NicCodecBuilderTorchExtensions
{
    /// <summary>
    /// Runs g_a, h_a and g_s on TorchSharp on <paramref name="device"/> (the CPU when null). h_s and the entropy
    /// coding stay on the managed engine, so files are bit-identical to the managed backend's and decode anywhere.
    /// </summary>
    public static NicCodecBuilder UseTorchSharp(this NicCodecBuilder builder, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IInferenceBackendFactory>(new TorchBackendFactory(device)));
        return builder;
    }

    /// <summary>
    /// Gives the codec a <see cref="TorchLatentOptimizer"/> on <paramref name="device"/> (the CPU when null), a singleton,
    /// so that encodes may ask for an effort above 1 (<see cref="NicEncodeOptions.Effort"/>). A
    /// <see cref="NicCodecOptions.LatentOptimizer"/> set by configuration is kept.
    /// </summary>
    public static NicCodecBuilder UseTorchLatentOptimizer(this NicCodecBuilder builder, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(_ => new TorchLatentOptimizer(device));
        builder.Services.AddOptions<NicCodecOptions>().Configure<TorchLatentOptimizer>((options, optimizer) => options.LatentOptimizer ??= optimizer);
        return builder;
    }
}
