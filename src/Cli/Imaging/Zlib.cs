using System.IO.Compression;

namespace Nic.Cli.Imaging;

/// <summary>zlib (RFC 1950) compression of metadata payloads, and inflation with a bound on the output.</summary>
internal static class Zlib
{
    /// <summary>The zlib stream of <paramref name="data"/> at the best compression.</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Inflates <paramref name="compressed"/>; null when it is not a valid zlib stream or inflates to more than
    /// <paramref name="maxLength"/> bytes.
    /// </summary>
    public static byte[]? TryInflate(byte[] compressed, int offset, int count, int maxLength)
    {
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, offset, count, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            byte[] buffer = new byte[16384];
            int read;
            while ((read = zlib.Read(buffer)) > 0)
            {
                if (output.Length + read > maxLength)
                {
                    return null;
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="compressed"/> inflates to more than <paramref name="limit"/> bytes; inflation stops as
    /// soon as the limit is passed, so the cost is bounded by the limit whatever the stream claims.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not valid zlib.</exception>
    public static bool InflatesBeyond(Stream compressed, long limit)
    {
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        byte[] buffer = new byte[65536];
        long total = 0;
        int read;
        while ((read = zlib.Read(buffer)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return true;
            }
        }

        return false;
    }
}
