namespace Nic.Codec.Inference;

/// <summary>
/// How the line-buffered streams (<see cref="SynthesisStream"/>, <see cref="AnalysisStream"/>) cut the latent's columns
/// into vertical stripes, each run on its own thread from top to bottom with no other stripe to wait for: one
/// synchronisation per band instead of one per layer and chunk, and each stripe's copies of rows made on its own thread.
/// A synthesis stripe computes its window — its own columns and the network's halo on each side it shares with another
/// stripe — as if the window were the whole image; the zero padding at a window edge inside the image spoils only columns
/// within the halo's reach of it, which the stripe does not own, so every owned column is bit-identical to the full
/// frame's. An analysis stripe takes only its own columns from here and computes their cone (<see cref="AnalysisStream"/>).
/// </summary>
internal static class ColumnStripes
{
    /// <summary>
    /// The fewest latent columns a stripe owns. Each stripe also computes columns beyond its own on each side it shares
    /// with another (a synthesis stripe the halo, 2 latent columns for the image models; an analysis stripe its cone), so
    /// narrower stripes would recompute too much. 16, not 32 (session 20): a 512-
    /// or 664-pixel-wide image (32 or 42 latent columns) then runs as two stripes, not one whose layers share each chunk
    /// between the threads — encode and decode of samples/seeding.png 15–22 % faster on two threads, with AVX-512 off.
    /// </summary>
    public const int MinColumns = 16;

    /// <summary>
    /// The latent columns each stripe owns (First … End − 1, about equal shares, left to right) for a latent
    /// <paramref name="width"/> columns wide asked to be cut into <paramref name="stripes"/> (fewer where a stripe would
    /// own less than <see cref="MinColumns"/>): what an analysis stripe computes the cone of.
    /// </summary>
    public static IEnumerable<(int First, int End)> Owned(int width, int stripes)
    {
        int count = Math.Clamp(stripes, 1, Math.Max(1, width / MinColumns));
        for (int i = 0; i < count; i++)
        {
            yield return ((int)((long)width * i / count), (int)((long)width * (i + 1) / count));
        }
    }

    /// <summary>
    /// The columns each stripe owns (<see cref="Owned"/>) and the window a synthesis stripe computes (WindowFirst …
    /// WindowEnd − 1: <paramref name="halo"/> more on each side, clipped to the latent, the window's first column moved
    /// down to a multiple of <paramref name="alignment"/>: <see cref="SynthesisStream.Reach"/>).
    /// </summary>
    public static IEnumerable<(int First, int End, int WindowFirst, int WindowEnd)> Windows(int width, int halo, int stripes, int alignment = 1) =>
        Owned(width, stripes).Select(o => (o.First, o.End, Math.Max(0, o.First - halo) / alignment * alignment, Math.Min(width, o.End + halo)));

    /// <summary>The threads each of <paramref name="stripes"/> stripes takes of <paramref name="parallelism"/>.</summary>
    public static int ThreadsOfEach(int parallelism, int stripes) => Math.Max(1, parallelism / stripes);

    /// <summary>
    /// Runs <paramref name="stripe"/>(i, context) for every stripe i on its own thread, each context with its share of
    /// <paramref name="context"/>'s threads, and rethrows the first failure as itself (not wrapped in an aggregate); a
    /// single stripe runs on the calling thread with all of them.
    /// </summary>
    public static void Run(int stripes, LayerContext context, Action<int, LayerContext> stripe)
    {
        if (stripes == 1)
        {
            stripe(0, context);
            return;
        }

        LayerContext share = context with { Parallelism = ThreadsOfEach(context.Parallelism, stripes) };
        try
        {
            Parallel.For(
                0,
                stripes,
                new ParallelOptions { MaxDegreeOfParallelism = stripes, CancellationToken = context.CancellationToken },
                i => stripe(i, share));
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(aggregate.InnerExceptions[0]);
            throw;
        }
    }

    /// <summary>
    /// Copies the columns <paramref name="fromColumn"/> … + <paramref name="columns"/> − 1 of <paramref name="rows"/> rows of
    /// every channel of a stripe's <paramref name="window"/> to the columns <paramref name="toColumn"/> … of the rows
    /// <paramref name="toRow"/> … of <paramref name="whole"/>: a stripe's own columns into the whole width.
    /// </summary>
    public static void CopyColumns(FeatureMap window, int fromColumn, FeatureMap whole, int toRow, int toColumn, int rows, int columns)
    {
        for (int c = 0; c < window.Channels; c++)
        {
            for (int y = 0; y < rows; y++)
            {
                window.Data.AsSpan((int)((c * window.PlaneSize) + ((long)y * window.Width) + fromColumn), columns)
                    .CopyTo(whole.Data.AsSpan((int)((c * whole.PlaneSize) + ((long)(toRow + y) * whole.Width) + toColumn), columns));
            }
        }
    }
}
