using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec;

/// <summary>What an <see cref="ILatentOptimizer"/> is asked: one image, its model and the analysis transforms' latents.</summary>
public sealed class NicLatentProblem
{
    /// <summary>Creates a problem.</summary>
    /// <param name="model">The model the file will name.</param>
    /// <param name="image">The padded image, 3 × padded height × padded width, samples in [0, 1].</param>
    /// <param name="width">The image's own width (the columns the decoder keeps).</param>
    /// <param name="height">The image's own height.</param>
    /// <param name="y">g_a of <paramref name="image"/>.</param>
    /// <param name="z">h_a of <paramref name="y"/>; null for a model without a hyperprior.</param>
    /// <param name="effort">The encoder effort, 2 … <see cref="NicEncodeOptions.MaxEffort"/>.</param>
    public NicLatentProblem(NicModelFile model, FeatureMap image, int width, int height, FeatureMap y, FeatureMap? z, int effort)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, image.Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, image.Height);
        ArgumentOutOfRangeException.ThrowIfLessThan(effort, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(effort, NicEncodeOptions.MaxEffort);
        Model = model;
        Image = image;
        Width = width;
        Height = height;
        Y = y;
        Z = z;
        Effort = effort;
    }

    /// <summary>The model: its transforms, entropy models and λ (<see cref="NicModelFile.Lambda"/>).</summary>
    public NicModelFile Model { get; }

    /// <summary>The padded image, 3 × padded height × padded width, samples in [0, 1].</summary>
    public FeatureMap Image { get; }

    /// <summary>The image's own width: the distortion counts only these columns.</summary>
    public int Width { get; }

    /// <summary>The image's own height: the distortion counts only these rows.</summary>
    public int Height { get; }

    /// <summary>The starting point y = g_a(image).</summary>
    public FeatureMap Y { get; }

    /// <summary>The starting point z = h_a(y); null without a hyperprior.</summary>
    public FeatureMap? Z { get; }

    /// <summary>The encoder effort, 2 … <see cref="NicEncodeOptions.MaxEffort"/>: how much time the search may take.</summary>
    public int Effort { get; }
}
