using Nic.Format;

namespace Nic.Cli.Imaging;

/// <summary>
/// The JPEG application segments that carry metadata: APP1 <c>Exif\0\0</c> followed by the TIFF data, APP1
/// <c>http://ns.adobe.com/xap/1.0/\0</c> followed by the XMP packet, and APP2 <c>ICC_PROFILE\0</c> segments, each
/// with a 1-based sequence number and the segment count, whose payloads joined in order make the ICC profile.
/// </summary>
internal static class JpegMetadataSegments
{
    /// <summary>The identifier of an EXIF APP1 segment.</summary>
    public static ReadOnlySpan<byte> ExifIdentifier => "Exif\0\0"u8;

    /// <summary>The identifier of a (standard) XMP APP1 segment.</summary>
    public static ReadOnlySpan<byte> XmpIdentifier => "http://ns.adobe.com/xap/1.0/\0"u8;

    /// <summary>The identifier of an ICC profile APP2 segment.</summary>
    public static ReadOnlySpan<byte> IccIdentifier => "ICC_PROFILE\0"u8;

    /// <summary>
    /// Reads the metadata of a JPEG file from the segments before the first scan. The first EXIF and the first XMP
    /// segment count; the ICC profile is kept only when its segments are complete and consistent (each number from 1
    /// to the count exactly once). Malformed segments are skipped; nothing here throws on any input. Extended XMP
    /// (<c>http://ns.adobe.com/xmp/extension/</c>) is not read.
    /// </summary>
    public static NicMetadata Read(byte[] file)
    {
        byte[]? exif = null, xmp = null;
        var iccParts = new List<(int Sequence, int Count, JpegSegment Segment)>();
        bool iccMalformed = false;
        foreach (JpegSegment segment in JpegSegment.ReadHeaderSegments(file))
        {
            ReadOnlySpan<byte> data = segment.Data(file);
            if (segment.Marker == JpegSegment.App1 && exif is null && data.StartsWith(ExifIdentifier))
            {
                exif = data[ExifIdentifier.Length..].ToArray();
            }
            else if (segment.Marker == JpegSegment.App1 && xmp is null && data.StartsWith(XmpIdentifier))
            {
                xmp = data[XmpIdentifier.Length..].ToArray();
            }
            else if (segment.Marker == JpegSegment.App2 && data.StartsWith(IccIdentifier))
            {
                if (data.Length < IccIdentifier.Length + 2)
                {
                    iccMalformed = true;
                    continue;
                }

                iccParts.Add((data[IccIdentifier.Length], data[IccIdentifier.Length + 1], segment));
            }
        }

        byte[]? icc = iccMalformed ? null : JoinIccProfile(file, iccParts);
        return icc is null && exif is null && xmp is null ? NicMetadata.Empty : new NicMetadata { IccProfile = icc, Exif = exif, Xmp = xmp };
    }

    /// <summary>The profile joined from its segments in sequence order, or null when there are none or they do not make one profile.</summary>
    private static byte[]? JoinIccProfile(byte[] file, List<(int Sequence, int Count, JpegSegment Segment)> parts)
    {
        if (parts.Count == 0)
        {
            return null;
        }

        int count = parts[0].Count;
        if (count == 0 || parts.Count != count)
        {
            return null;
        }

        var ordered = new JpegSegment?[count];
        foreach ((int sequence, int partCount, JpegSegment segment) in parts)
        {
            if (partCount != count || sequence < 1 || sequence > count || ordered[sequence - 1] is not null)
            {
                return null;
            }

            ordered[sequence - 1] = segment;
        }

        int header = IccIdentifier.Length + 2;
        using var profile = new MemoryStream();
        foreach (JpegSegment? segment in ordered)
        {
            profile.Write(segment!.Value.Data(file)[header..]);
        }

        return profile.ToArray();
    }
}
