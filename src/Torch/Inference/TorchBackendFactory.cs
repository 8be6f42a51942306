using Nic.Codec.Inference;
using Nic.Codec.Models;
using TorchSharp;

namespace Nic.Torch.Inference;

/// <summary>TorchSharp as the codec's backend: a <see cref="TorchInferenceBackend"/> per model on one device.</summary>
public sealed class TorchBackendFactory : IInferenceBackendFactory
{
    /// <summary>A factory of backends on <paramref name="device"/>.</summary>
    /// <param name="device">The device; null for the CPU.</param>
    /// <param name="threads">
    /// libtorch's CPU threads (<c>torch.set_num_threads</c>), set here for the whole process, since libtorch has one
    /// count per process; null leaves libtorch's own (its default is the physical cores).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public TorchBackendFactory(torch.Device? device = null, int? threads = null)
    {
        if (threads is int count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(threads));
            torch.set_num_threads(count);
        }

        Device = device ?? torch.CPU;
    }

    /// <summary>The device the networks run on.</summary>
    public torch.Device Device { get; }

    /// <summary>"torch:" and the device.</summary>
    public string Name => "torch:" + Device.type.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public IInferenceBackend Create(NicModelFile file) => new TorchInferenceBackend(file, Device);
}
