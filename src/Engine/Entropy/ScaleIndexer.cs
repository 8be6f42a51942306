namespace Nic.Codec.Entropy;

/// <summary>
/// Maps Gaussian scales σ to indexes of a rising scale table (spec/nic-coding.md §6.1): the index of the first table
/// entry that is at least σ, or the last index when σ exceeds every entry; σ below the first entry (and NaN) map to 0.
/// Pure comparisons, so the same σ always gives the same index on every machine.
/// </summary>
public static class ScaleIndexer
{
    /// <summary>Writes the table index of every scale in <paramref name="scales"/> to <paramref name="indexes"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or the table is empty.</exception>
    public static void Index(ReadOnlySpan<float> scales, ReadOnlySpan<float> scaleTable, Span<int> indexes)
    {
        if (scales.Length != indexes.Length)
        {
            throw new ArgumentException($"{scales.Length} scales but room for {indexes.Length} indexes");
        }

        if (scaleTable.IsEmpty)
        {
            throw new ArgumentException("the scale table is empty", nameof(scaleTable));
        }

        int last = scaleTable.Length - 1;
        for (int i = 0; i < scales.Length; i++)
        {
            float sigma = scales[i];

            // Binary search for the first entry >= sigma among entries 0..last−1; NaN compares false everywhere and lands on 0.
            int lo = 0, hi = last;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (scaleTable[mid] < sigma)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            indexes[i] = lo;
        }
    }
}
