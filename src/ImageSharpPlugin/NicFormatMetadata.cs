using SixLabors.ImageSharp;

namespace Nic.ImageSharp;

/// <summary>What a decoded <c>.nic</c> file says of its coding: the model, its rate point and setting, and the bits per pixel.</summary>
public sealed class NicFormatMetadata : IDeepCloneable
{
    /// <summary>Creates empty metadata.</summary>
    public NicFormatMetadata()
    {
    }

    private NicFormatMetadata(NicFormatMetadata other)
    {
        Model = other.Model;
        ModelSha256 = other.ModelSha256;
        RatePoint = other.RatePoint;
        RateParameter = other.RateParameter;
        BitsPerPixel = other.BitsPerPixel;
    }

    /// <summary>The registry name of the model that coded the image.</summary>
    public string? Model { get; set; }

    /// <summary>The SHA-256 of that model's file, lower-case hexadecimal.</summary>
    public string? ModelSha256 { get; set; }

    /// <summary>The rate point (quality) within the model's family.</summary>
    public int? RatePoint { get; set; }

    /// <summary>The continuous rate setting (λ of the model).</summary>
    public float? RateParameter { get; set; }

    /// <summary>Bits per pixel of the whole file, when its length was known.</summary>
    public double? BitsPerPixel { get; set; }

    /// <inheritdoc/>
    public IDeepCloneable DeepClone() => new NicFormatMetadata(this);
}
