using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Nic.Codec.DependencyInjection;
using Nic.Codec.Inference;
using TorchSharp;

namespace Nic.Torch.Inference;

/// <summary>Selects TorchSharp as the backend of a codec registered with <c>AddNeuralImageCodec</c>.</summary>
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
}
