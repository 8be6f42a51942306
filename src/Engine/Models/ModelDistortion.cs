namespace Nic.Codec.Models;

/// <summary>The distortion measure a model was trained for (metadata key <c>distortion</c>).</summary>
public enum ModelDistortion
{
    /// <summary><c>mse</c>: mean squared error.</summary>
    Mse,

    /// <summary><c>mae</c>: mean absolute error.</summary>
    Mae,
}
