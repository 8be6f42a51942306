using Nic.Format;

namespace Nic.Codec;

/// <summary>What a <c>.nic</c> file says about its image, read from the header and the metadata chunks only.</summary>
public sealed class NicImageInfo
{
    internal NicImageInfo(NicHeader header, NicMetadata metadata, Version formatVersion, long fileLength)
    {
        Header = header;
        Metadata = metadata;
        FormatVersion = formatVersion;
        FileLength = fileLength;
    }

    /// <summary>The image width in pixels.</summary>
    public int Width => Header.Width;

    /// <summary>The image height in pixels.</summary>
    public int Height => Header.Height;

    /// <summary>The model that coded the image: its registry name and SHA-256.</summary>
    public NicModelId Model => Header.Model;

    /// <summary>The rate point (quality) within the model's family.</summary>
    public int RatePoint => Header.RatePoint;

    /// <summary>The continuous rate setting the encoder used (λ of the model).</summary>
    public float RateParameter => Header.RateParameter;

    /// <summary>ICC profile, EXIF and XMP, byte for byte.</summary>
    public NicMetadata Metadata { get; }

    /// <summary>The whole header.</summary>
    public NicHeader Header { get; }

    /// <summary>The container version of the file.</summary>
    public Version FormatVersion { get; }

    /// <summary>The file's length in bytes when the source knows it (a seekable stream or a byte array); −1 otherwise.</summary>
    public long FileLength { get; }

    /// <summary>Bits per pixel of the whole file, when its length is known; NaN otherwise.</summary>
    public double BitsPerPixel => FileLength < 0 ? double.NaN : FileLength * 8.0 / ((double)Width * Height);
}
