using Nic.Codec.Inference;
using Nic.Codec.Models;
using TorchSharp;

namespace Nic.Torch.Inference;

/// <summary>TorchSharp as the codec's backend: a <see cref="TorchInferenceBackend"/> per model on one device.</summary>
/// <param name="device">The device; null for the CPU.</param>
public sealed class TorchBackendFactory(torch.Device? device = null) : IInferenceBackendFactory
{
    /// <summary>The device the networks run on.</summary>
    public torch.Device Device { get; } = device ?? torch.CPU;

    /// <summary>"torch:" and the device.</summary>
    public string Name => "torch:" + Device.type.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public IInferenceBackend Create(NicModelFile file) => new TorchInferenceBackend(file, Device);
}
