using Nic.Codec.Inference;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// The row store of the line-buffered streams: rows written in place or appended, dropped without moving, moved to the
/// top or into grown planes when a chunk finds no room, and every row the planes claim to hold still its own.
/// </summary>
public class RowStoreTests
{
    private const int Channels = 3, Width = 5;

    /// <summary>The value of channel c, row r, column x in these tests.</summary>
    private static float Value(int c, int r, int x) => (c * 10_000) + (r * 10) + x;

    private static FeatureMap Rows(int first, int count)
    {
        var map = new FeatureMap(Channels, count, Width);
        for (int c = 0; c < Channels; c++)
        {
            for (int r = 0; r < count; r++)
            {
                for (int x = 0; x < Width; x++)
                {
                    map[c, r, x] = Value(c, first + r, x);
                }
            }
        }

        return map;
    }

    /// <summary>Every row the store says its planes hold, from WindowStart, is the row it was given.</summary>
    private static void AssertWindowHoldsItsRows(RowStore store)
    {
        for (int c = 0; c < Channels; c++)
        {
            for (int r = 0; r < store.WindowRows; r++)
            {
                for (int x = 0; x < Width; x++)
                {
                    Assert.Equal(Value(c, store.WindowStart + r, x), store.Data![(c * store.PlaneStride) + ((long)r * Width) + x]);
                }
            }
        }
    }

    [Fact]
    public void RowsWrittenInPlaceOrAppendedSurviveDropsMovesAndGrowth()
    {
        var store = new RowStore(Width);
        int next = 0, moves = 0, grows = 0, chunks = 200;
        float[]? planes = null;
        var random = new Random(5);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            // Whether rows dropped before this chunk still sit above the kept ones (then a move or a growth shows as
            // the window starting at the first kept row again).
            bool droppedAbove = store.WindowStart < store.Start;
            // Chunks of 1–6 rows, a keep of up to 9 rows after each (the reach of the next output rows).
            int count = random.Next(1, 7);
            if (chunk % 2 == 0)
            {
                store.Append(Rows(next, count), next);
            }
            else
            {
                (FeatureMap target, int row) = store.Reserve(next, count, Channels);
                Assert.Equal(store.Capacity, target.Height);
                Assert.Same(store.Data, target.Data);
                Assert.True(row + count <= store.Capacity);
                FeatureMap rows = Rows(next, count);
                for (int c = 0; c < Channels; c++)
                {
                    rows.Plane(c).CopyTo(target.Data.AsSpan((int)((c * store.PlaneStride) + ((long)row * Width))));
                }

                store.Commit(count);
            }

            next += count;
            Assert.Equal(next, store.End);
            AssertWindowHoldsItsRows(store);
            (grows, planes) = ReferenceEquals(planes, store.Data) ? (grows, planes) : (grows + 1, store.Data);
            moves += droppedAbove && store.WindowStart == store.Start ? 1 : 0;
            int start = store.Start, windowStart = store.WindowStart, keep = random.Next(0, 10);
            store.DropBefore(next - keep);
            Assert.Equal(Math.Max(start, next - keep), store.Start);

            // Dropping moves nothing: the planes still start at the same row.
            Assert.Equal(windowStart, store.WindowStart);
            AssertWindowHoldsItsRows(store);
        }

        // The planes settle (at most twice the rows ever kept with a chunk: 2 × 15), and the kept rows move far less often
        // than once a chunk.
        Assert.True(store.Capacity <= 30, $"capacity {store.Capacity}");
        Assert.True(grows < 10, $"{grows} growths");
        Assert.True(moves < chunks / 2, $"{moves} moves in {chunks} chunks");
    }

    [Fact]
    public void RowsThatDoNotContinueTheStoreOrItsChannelsAreRefused()
    {
        var store = new RowStore(Width);
        store.Append(Rows(0, 4), 0);
        Assert.Throws<InvalidOperationException>(() => store.Append(Rows(5, 1), 5));
        Assert.Throws<InvalidOperationException>(() => store.Reserve(3, 1, Channels));
        Assert.Throws<InvalidOperationException>(() => store.Reserve(4, 1, Channels + 1));
        (_, int row) = store.Reserve(4, 2, Channels);
        Assert.Equal(4, row);
        Assert.Throws<InvalidOperationException>(() => store.Commit(3));
        store.Commit(2);
        Assert.Equal(6, store.End);
        Assert.Throws<InvalidOperationException>(() => store.Commit(1));
    }
}
