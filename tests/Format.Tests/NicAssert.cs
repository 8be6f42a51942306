using Nic.Format;

namespace Nic.Format.Tests;

internal static class NicAssert
{
    public static NicFormatException Fails(NicFormatError expected, byte[] file, NicReaderOptions? options = null)
    {
        var e = Assert.Throws<NicFormatException>(() => NicFile.Read(file, options));
        Assert.Equal(expected, e.Error);
        Assert.Equal(expected.ToString(), e.ErrorCode);
        Assert.Contains($"at byte {e.Offset}", e.Message);
        return e;
    }

    public static void Equal(NicFile expected, NicFile actual)
    {
        Assert.Equal(expected.Header, actual.Header);
        Assert.Equal(expected.Metadata.IccProfile, actual.Metadata.IccProfile);
        Assert.Equal(expected.Metadata.Exif, actual.Metadata.Exif);
        Assert.Equal(expected.Metadata.Xmp, actual.Metadata.Xmp);
        Assert.Equal(expected.ZSubstream, actual.ZSubstream);
        Assert.Equal(expected.Bands.Count, actual.Bands.Count);
        for (var i = 0; i < expected.Bands.Count; i++)
        {
            Assert.Equal(expected.Bands[i], actual.Bands[i]);
        }
    }
}
