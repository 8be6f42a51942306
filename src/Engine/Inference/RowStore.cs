namespace Nic.Codec.Inference;

/// <summary>
/// The rows a line-buffered stream (<see cref="SynthesisStream"/>, <see cref="AnalysisStream"/>) keeps of one layer's
/// input: rows <see cref="Start"/> … <see cref="End"/> − 1 of every channel, each channel's rows contiguous in a plane of
/// <see cref="Capacity"/> rows. Rows arrive at the bottom (<see cref="Append"/>, or written in place between
/// <see cref="Reserve"/> and <see cref="Commit"/>) and leave at the top (<see cref="DropBefore"/>).
/// </summary>
/// <remarks>
/// Dropping moves nothing: the rows kept stay where they are, below the dropped ones, until an arriving chunk finds no
/// room under them; then they move to the top of each plane, or the planes grow to twice the rows they must hold. The
/// planes so settle at no more than twice the most rows ever kept with a chunk, and the kept rows move about every other
/// chunk or less, where they moved with every chunk when each drop moved them (those moves were about 1.7 % of g_a's
/// thread time in a 3-megapixel encode with AVX-512 off; session 31, docs/performance.md). The dropped rows above the kept ones keep their values until
/// overwritten: <see cref="WindowStart"/> and <see cref="WindowRows"/> give a layer all the rows the planes hold.
/// </remarks>
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

    /// <summary>
    /// The row at the top of each plane: <see cref="Start"/>, or a dropped row above it that the planes still hold
    /// unchanged. A layer may read the rows <see cref="WindowStart"/> … <see cref="End"/> − 1 from the top of the planes.
    /// </summary>
    public int WindowStart => Start - _top;

    /// <summary>The rows the planes hold from <see cref="WindowStart"/> on: the dropped rows still there and the kept ones.</summary>
    public int WindowRows => _top + Rows;

    /// <summary>The plane row <see cref="Start"/> is at.</summary>
    private int _top;

    /// <summary>The channels of the planes (0 until the first rows arrive).</summary>
    private int _channels;

    /// <summary>The rows the last <see cref="Reserve"/> made room for and no <see cref="Commit"/> has kept yet.</summary>
    private int _reserved;

    /// <summary>Appends the rows <paramref name="first"/> … of <paramref name="rows"/>, which continue the store.</summary>
    /// <exception cref="InvalidOperationException">The rows do not start at <see cref="End"/>, or have other channels than the store's.</exception>
    public void Append(FeatureMap rows, int first)
    {
        (FeatureMap planes, int row) = Reserve(first, rows.Height, rows.Channels);
        for (int c = 0; c < rows.Channels; c++)
        {
            rows.Plane(c).CopyTo(planes.Data.AsSpan((int)((c * PlaneStride) + ((long)row * Width))));
        }

        Commit(rows.Height);
    }

    /// <summary>
    /// Makes room for the rows <paramref name="first"/> … + <paramref name="count"/> − 1 (which continue the store) and
    /// gives the planes as a map of <paramref name="channels"/> × <see cref="Capacity"/> × <see cref="Width"/> and the
    /// plane row where row <paramref name="first"/> goes, for a layer to write them there; <see cref="Commit"/> then keeps
    /// them. The planes stay valid until the next <see cref="Reserve"/> or <see cref="Append"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The rows do not start at <see cref="End"/>, or have other channels than the store's.</exception>
    public (FeatureMap Planes, int Row) Reserve(int first, int count, int channels)
    {
        if (first != End)
        {
            throw new InvalidOperationException($"rows from {first} do not continue the store ({Start} + {Rows})");
        }

        if (_channels != 0 && channels != _channels)
        {
            throw new InvalidOperationException($"rows of {channels} channels do not continue a store of {_channels}");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int needed = Rows + count;
        if (Data is null || _top + needed > Capacity)
        {
            if (Data is not null && 2L * needed <= Capacity)
            {
                // Room enough under the top for this chunk and, about, the next: the kept rows move up.
                for (int c = 0; c < _channels; c++)
                {
                    long plane = c * PlaneStride;
                    Data.AsSpan((int)(plane + ((long)_top * Width)), Rows * Width).CopyTo(Data.AsSpan((int)plane));
                }
            }
            else
            {
                int capacity = checked(2 * needed);
                float[] grown = GC.AllocateUninitializedArray<float>(checked(channels * capacity * Width));
                for (int c = 0; c < _channels && Data is not null; c++)
                {
                    Data.AsSpan((int)((c * PlaneStride) + ((long)_top * Width)), Rows * Width).CopyTo(grown.AsSpan(c * capacity * Width));
                }

                (Data, Capacity, _channels) = (grown, capacity, channels);
            }

            _top = 0;
        }

        _reserved = count;
        return (new FeatureMap(_channels, Capacity, Width, Data), _top + Rows);
    }

    /// <summary>Keeps the <paramref name="count"/> rows written after <see cref="Reserve"/>.</summary>
    /// <exception cref="InvalidOperationException">More rows than the last <see cref="Reserve"/> made room for.</exception>
    public void Commit(int count)
    {
        if (count < 0 || count > _reserved)
        {
            throw new InvalidOperationException($"{count} rows committed, {_reserved} reserved");
        }

        Rows += count;
        _reserved = 0;
    }

    /// <summary>Forgets the rows above <paramref name="row"/>; nothing moves (see the remarks).</summary>
    public void DropBefore(int row)
    {
        int drop = Math.Min(Rows, row - Start);
        if (Data is null || drop <= 0)
        {
            return;
        }

        Start += drop;
        Rows -= drop;
        _top += drop;
    }
}
