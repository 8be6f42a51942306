using Nic.Format;

namespace Nic.Codec;

/// <summary>What an encode produced.</summary>
public sealed class NicEncodeResult
{
    internal NicEncodeResult(NicHeader header, long bytes, int zBytes, long yBytes, double lambda, NicMetadataItems metadataItems, long metadataBytes)
    {
        Header = header;
        Bytes = bytes;
        ZBytes = zBytes;
        YBytes = yBytes;
        Lambda = lambda;
        MetadataItems = metadataItems;
        MetadataBytes = metadataBytes;
    }

    /// <summary>The header written.</summary>
    public NicHeader Header { get; }

    /// <summary>The length of the whole <c>.nic</c> file.</summary>
    public long Bytes { get; }

    /// <summary>The bytes of the z substream (0 without a hyperprior).</summary>
    public int ZBytes { get; }

    /// <summary>The bytes of the y substream, all bands together, without their chunk framing.</summary>
    public long YBytes { get; }

    /// <summary>The metadata items the file carries (after <see cref="NicEncodeOptions.KeepMetadata"/>).</summary>
    public NicMetadataItems MetadataItems { get; }

    /// <summary>The bytes of the metadata chunks, framing included: what the metadata adds to the file.</summary>
    public long MetadataBytes { get; }

    /// <summary>Bits per pixel of the whole file.</summary>
    public double BitsPerPixel => Bytes * 8.0 / ((double)Header.Width * Header.Height);

    /// <summary>The λ of the model coded with (interpolated for a rate between trained points).</summary>
    public double Lambda { get; }

    /// <summary>That λ on Nic's quality scale (0–100; outside it for a model trained beyond the scale's λ range).</summary>
    public double Quality => Nic.Codec.Models.NicModelFamily.QualityForLambda(Lambda);

    /// <summary>The encodes it took: 1, or those of the search for a <see cref="NicEncodeOptions.Target"/>.</summary>
    public int Encodes { get; internal init; } = 1;

    /// <summary>Whether the file meets the <see cref="NicEncodeOptions.Target"/>; null without a target.</summary>
    public bool? TargetMet { get; internal init; }

    /// <summary>The RGB PSNR of the decoded image against the input, in dB, when a PSNR target made the encoder measure it; else null.</summary>
    public double? PsnrDb { get; internal init; }
}
