using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

public class ScaleIndexerTests
{
    [Fact]
    public void ScalesMapToTheFirstEntryAtLeastAsLarge()
    {
        float[] table = [0.11f, 0.5f, 1f, 4f, 256f];
        float[] scales = [0f, 0.05f, 0.11f, 0.12f, 0.5f, 0.9f, 1f, 3.99f, 4f, 4.01f, 256f, 1e9f, float.NaN, -1f];
        var indexes = new int[scales.Length];
        ScaleIndexer.Index(scales, table, indexes);
        Assert.Equal([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 0, 0], indexes);
    }

    [Fact]
    public void AgreesWithALinearCountForManyScales()
    {
        float[] table = [.. GaussianCdfTables.LogSpacedScales().Select(s => (float)s)];
        var random = new Random(2);
        float[] scales = [.. Enumerable.Range(0, 10_000).Select(_ => (float)Math.Exp(random.NextDouble() * 8 - 3))];
        var indexes = new int[scales.Length];
        ScaleIndexer.Index(scales, table, indexes);
        for (int i = 0; i < scales.Length; i++)
        {
            // CompressAI's formulation: start at the last index and step down once per entry (but the last) that is ≥ σ.
            int expected = table.Length - 1 - table[..^1].Count(s => scales[i] <= s);
            Assert.Equal(expected, indexes[i]);
        }
    }
}
