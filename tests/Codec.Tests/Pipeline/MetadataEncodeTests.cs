using Nic.Codec.Imaging;
using Nic.Format;
using Nic.Format.Tests;

namespace Nic.Codec.Tests.Pipeline;

/// <summary>
/// What metadata costs in an encoded file (issue 18: "metadata that does not cost more than the image"): the real ICC
/// profile and EXIF block of samples/metadata on a 500×500 image, stored compressed, raw or left out.
/// </summary>
public sealed class MetadataEncodeTests
{
    private const int ChunkFraming = 12;

    private static readonly byte[] Icc = MetadataSamples.Read("sRGB.icc");
    private static readonly byte[] Exif = MetadataSamples.Read("blinds.exif");
    private static readonly byte[] Xmp = MetadataSamples.Read("coldripple.xmp");

    [Fact]
    public async Task A_500x500_image_with_a_real_ICC_profile_and_EXIF_costs_less_than_half_the_raw_metadata()
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(500, 500);
        image.Metadata = new NicMetadata { IccProfile = Icc, Exif = Exif };

        using var compressedFile = new MemoryStream();
        NicEncodeResult compressed = await codec.EncodeAsync(image, compressedFile);
        using var rawFile = new MemoryStream();
        NicEncodeResult raw = await codec.EncodeAsync(image, rawFile, new NicEncodeOptions { CompressMetadata = false });
        using var strippedFile = new MemoryStream();
        NicEncodeResult stripped = await codec.EncodeAsync(image, strippedFile, new NicEncodeOptions { KeepMetadata = NicMetadataItems.None });

        // The pixels code the same whatever the metadata: the files differ by their metadata chunks alone.
        Assert.Equal(0, stripped.MetadataBytes);
        Assert.Equal(NicMetadataItems.None, stripped.MetadataItems);
        long rawMetadata = (ChunkFraming + Icc.Length) + (ChunkFraming + Exif.Length);
        Assert.Equal(rawMetadata, raw.MetadataBytes);
        Assert.Equal(stripped.Bytes + rawMetadata, raw.Bytes);
        Assert.Equal(stripped.Bytes + compressed.MetadataBytes, compressed.Bytes);
        Assert.Equal(NicMetadataItems.IccProfile | NicMetadataItems.Exif, compressed.MetadataItems);

        // Brotli stores these two real items in well under half their size (measured: 2195 + 6805 of 6922 + 14010).
        Assert.True(compressed.MetadataBytes * 2 < rawMetadata, $"compressed metadata {compressed.MetadataBytes} bytes, raw {rawMetadata}");
        Assert.Equal(1, compressedFile.ToArray()[9]);
        Assert.Equal(0, rawFile.ToArray()[9]);
        Assert.Equal(0, strippedFile.ToArray()[9]);

        // Byte for byte back, from both forms; the pixels of all three files decode identically.
        RgbImage fromCompressed = await codec.DecodeAsync(compressedFile.ToArray());
        RgbImage fromRaw = await codec.DecodeAsync(rawFile.ToArray());
        RgbImage fromStripped = await codec.DecodeAsync(strippedFile.ToArray());
        foreach (RgbImage decoded in new[] { fromCompressed, fromRaw })
        {
            Assert.Equal(Icc, decoded.Metadata.IccProfile);
            Assert.Equal(Exif, decoded.Metadata.Exif);
            Assert.Null(decoded.Metadata.Xmp);
        }

        Assert.True(fromStripped.Metadata.IsEmpty);
        Assert.Equal(fromStripped.Pixels, fromCompressed.Pixels);
        Assert.Equal(fromStripped.Pixels, fromRaw.Pixels);
    }

    [Theory]
    [InlineData(NicMetadataItems.IccProfile)]
    [InlineData(NicMetadataItems.Exif | NicMetadataItems.Xmp)]
    [InlineData(NicMetadataItems.None)]
    public async Task KeepMetadata_carries_only_the_items_chosen(NicMetadataItems keep)
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(40, 30);
        image.Metadata = new NicMetadata { IccProfile = Icc, Exif = Exif, Xmp = Xmp };

        byte[] file = codec.Encode(image, new NicEncodeOptions { KeepMetadata = keep });
        NicImageInfo info = await codec.IdentifyAsync(file);

        Assert.Equal(keep, info.Metadata.Items);
        Assert.Equal((keep & NicMetadataItems.IccProfile) != 0 ? Icc : null, info.Metadata.IccProfile);
        Assert.Equal((keep & NicMetadataItems.Exif) != 0 ? Exif : null, info.Metadata.Exif);
        Assert.Equal((keep & NicMetadataItems.Xmp) != 0 ? Xmp : null, info.Metadata.Xmp);
        Assert.Equal(NicMetadataItems.All, image.Metadata.Items);
    }
}
