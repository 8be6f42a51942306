namespace Nic.Torch.Training;

/// <summary>A trained model that freezes its entropy tables and writes itself as a Nic model file (spec/nic-model.md).</summary>
public interface IExportableModel
{
    /// <summary>The bytes of a model file holding every parameter and the frozen tables.</summary>
    /// <param name="name">The model's registry name (1 to 64 characters from a-z 0-9 . _ -).</param>
    /// <param name="lambda">The λ it was trained with.</param>
    /// <param name="trainingSummary">A JSON text describing the training (metadata key <c>training</c>); omitted when null.</param>
    /// <returns>The file, already checked by the model-file reader.</returns>
    byte[] Export(string name, double lambda, string? trainingSummary);
}
