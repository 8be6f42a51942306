namespace Nic.Cli.Imaging;

/// <summary>
/// The frame header (SOFn payload) of a JPEG: the size and the number of 8×8 blocks the components need, which
/// bounds from below how much scan data a complete file holds.
/// </summary>
/// <param name="Width">The declared width.</param>
/// <param name="Height">The declared height; 0 means it is given later in a DNL marker.</param>
/// <param name="BlockCount">The 8×8 blocks of all components together, from their sampling factors.</param>
internal readonly record struct JpegFrameHeader(int Width, int Height, long BlockCount)
{
    /// <summary>Reads a frame header payload: precision, height, width, component count, then per component id, sampling factors and table.</summary>
    /// <exception cref="ImageFileException">The payload is too short or a component has a sampling factor outside 1–4.</exception>
    public static JpegFrameHeader Read(ReadOnlySpan<byte> payload, string fileName)
    {
        if (payload.Length < 6 || payload.Length < 6 + (3 * payload[5]) || payload[5] == 0)
        {
            throw new ImageFileException(fileName, "the JPEG frame header is truncated or has no components");
        }

        int height = (payload[1] << 8) | payload[2], width = (payload[3] << 8) | payload[4];
        int components = payload[5], maxHorizontal = 1, maxVertical = 1;
        for (int c = 0; c < components; c++)
        {
            byte factors = payload[6 + (3 * c) + 1];
            int horizontal = factors >> 4, vertical = factors & 0xF;
            if (horizontal is < 1 or > 4 || vertical is < 1 or > 4)
            {
                throw new ImageFileException(fileName, $"the JPEG component {c} has sampling factors {horizontal}×{vertical}, outside 1–4");
            }

            maxHorizontal = Math.Max(maxHorizontal, horizontal);
            maxVertical = Math.Max(maxVertical, vertical);
        }

        long blocks = 0;
        for (int c = 0; c < components; c++)
        {
            byte factors = payload[6 + (3 * c) + 1];
            long componentWidth = Ceiling((long)width * (factors >> 4), maxHorizontal);
            long componentHeight = Ceiling((long)height * (factors & 0xF), maxVertical);
            blocks += Ceiling(componentWidth, 8) * Ceiling(componentHeight, 8);
        }

        return new JpegFrameHeader(width, height, blocks);
    }

    private static long Ceiling(long numerator, long denominator) => (numerator + denominator - 1) / denominator;
}
