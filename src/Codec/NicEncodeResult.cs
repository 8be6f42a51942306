using Nic.Format;

namespace Nic.Codec;

/// <summary>What an encode produced.</summary>
public sealed class NicEncodeResult
{
    internal NicEncodeResult(NicHeader header, long bytes, int zBytes, long yBytes, NicMetadataItems metadataItems, long metadataBytes)
    {
        Header = header;
        Bytes = bytes;
        ZBytes = zBytes;
        YBytes = yBytes;
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
}
