using Nic.Codec.Models;

namespace Nic.Codec.Inference;

/// <summary>
/// Makes the backend that runs a model's g_a, h_a and g_s. The codec asks once per model and keeps the result; h_s
/// always runs on the managed engine whatever the backend.
/// </summary>
public interface IInferenceBackendFactory
{
    /// <summary>A short name of the engine ("managed", "torch:cpu", …).</summary>
    string Name { get; }

    /// <summary>Builds the backend of <paramref name="file"/>.</summary>
    IInferenceBackend Create(NicModelFile file);
}
