namespace Nic.Codec.Inference;

/// <summary>
/// The rows a line-buffered stream (<see cref="SynthesisStream"/>, <see cref="AnalysisStream"/>) keeps of one layer's
/// input: rows <see cref="Start"/> … <see cref="Start"/> + <see cref="Rows"/> − 1 of every channel, each channel's rows
/// contiguous in a plane of <see cref="Capacity"/> rows. Rows arrive at the bottom (<see cref="Append"/>) and leave at
/// the top (<see cref="DropBefore"/>); the planes grow by half when full, so they settle at the most rows ever kept.
/// </summary>
internal sealed class RowStore(int width)
{
    /// <summary>The row length.</summary>
    public int Width { get; } = width;

    /// <summary>The planes; null until the first rows arrive.</summary>
    public float[]? Data { get; private set; }

    /// <summary>Rows per channel plane.</summary>
    public int Capacity { get; private set; }

    /// <summary>Floats from one channel's plane to the next.</summary>
    public long PlaneStride => (long)Capacity * Width;

    /// <summary>The first row kept.</summary>
    public int Start { get; private set; }

    /// <summary>The rows kept.</summary>
    public int Rows { get; private set; }

    /// <summary>The row after the last kept (the next to arrive).</summary>
    public int End => Start + Rows;

    /// <summary>Appends the rows <paramref name="first"/> … of <paramref name="rows"/>, which continue the store.</summary>
    /// <exception cref="InvalidOperationException">The rows do not start at <see cref="End"/>.</exception>
    public void Append(FeatureMap rows, int first)
    {
        if (first != End)
        {
            throw new InvalidOperationException($"rows from {first} do not continue the store ({Start} + {Rows})");
        }

        int needed = Rows + rows.Height;
        if (Data is null || needed > Capacity)
        {
            int capacity = Math.Max(needed, Capacity + (Capacity / 2));
            float[] grown = GC.AllocateUninitializedArray<float>(checked(rows.Channels * capacity * Width));
            for (int c = 0; c < rows.Channels && Data is not null; c++)
            {
                Data.AsSpan(c * Capacity * Width, Rows * Width).CopyTo(grown.AsSpan(c * capacity * Width));
            }

            (Data, Capacity) = (grown, capacity);
        }

        for (int c = 0; c < rows.Channels; c++)
        {
            rows.Plane(c).CopyTo(Data.AsSpan((c * Capacity * Width) + (Rows * Width)));
        }

        Rows = needed;
    }

    /// <summary>Forgets the rows above <paramref name="row"/>, moving the rest to the top of each plane.</summary>
    public void DropBefore(int row)
    {
        int drop = Math.Min(Rows, row - Start);
        if (Data is null || drop <= 0)
        {
            return;
        }

        int channels = Data.Length / (Capacity * Width);
        for (int c = 0; c < channels; c++)
        {
            int plane = c * Capacity * Width;
            Data.AsSpan(plane + (drop * Width), (Rows - drop) * Width).CopyTo(Data.AsSpan(plane));
        }

        Start += drop;
        Rows -= drop;
    }
}
