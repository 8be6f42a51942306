namespace Nic.Cli.Imaging;

/// <summary>One marker segment of a JPEG file: its marker and where its payload (after the length field) lies.</summary>
/// <param name="Marker">The marker byte after 0xFF, e.g. 0xE1 for APP1.</param>
/// <param name="DataOffset">The file offset of the payload.</param>
/// <param name="Length">The length of the payload (the length field less its own two bytes).</param>
internal readonly record struct JpegSegment(byte Marker, int DataOffset, int Length)
{
    /// <summary>APP1: EXIF or XMP.</summary>
    public const byte App1 = 0xE1;

    /// <summary>APP2: ICC profile segments.</summary>
    public const byte App2 = 0xE2;

    /// <summary>SOS: start of scan; entropy-coded data follows its header.</summary>
    public const byte StartOfScan = 0xDA;

    /// <summary>The segment payload within <paramref name="file"/>.</summary>
    public ReadOnlySpan<byte> Data(ReadOnlySpan<byte> file) => file.Slice(DataOffset, Length);

    /// <summary>Whether the marker starts a frame (SOF0–SOF3, SOF5–SOF7, SOF9–SOF11, SOF13–SOF15), whose header holds the image size.</summary>
    public bool IsStartOfFrame => Marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    /// <summary>
    /// The marker segments of a JPEG file from after SOI up to and including the first SOS: the tables, the frame
    /// header and the application segments that carry metadata. The list stops early, without an error, at anything
    /// that is not a well-formed marker segment or does not fit in the file.
    /// </summary>
    public static List<JpegSegment> ReadHeaderSegments(ReadOnlySpan<byte> file)
    {
        var segments = new List<JpegSegment>();
        if (file.Length < 2 || file[0] != 0xFF || file[1] != 0xD8)
        {
            return segments;
        }

        int offset = 2;
        while (offset < file.Length && file[offset] == 0xFF)
        {
            // Any number of 0xFF fill bytes may precede a marker.
            while (offset < file.Length && file[offset] == 0xFF)
            {
                offset++;
            }

            if (offset >= file.Length)
            {
                break;
            }

            byte marker = file[offset++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                // TEM and RSTn stand alone, without a length.
                continue;
            }

            if (marker is 0x00 or 0xD8 or 0xD9 || file.Length - offset < 2)
            {
                break;
            }

            int length = (file[offset] << 8) | file[offset + 1];
            if (length < 2 || length > file.Length - offset)
            {
                break;
            }

            segments.Add(new JpegSegment(marker, offset + 2, length - 2));
            if (marker == StartOfScan)
            {
                break;
            }

            offset += length;
        }

        return segments;
    }
}
