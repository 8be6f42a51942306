using Nic.Codec.Entropy;

namespace Nic.Codec.Tests.Entropy;

/// <summary>Shared fixtures: the default 64-scale Gaussian tables (built once) and a random-pmf table maker.</summary>
internal static class TestTables
{
    private static readonly Lazy<QuantizedCdfTables> LazyGaussian = new(() => GaussianCdfTables.Create(GaussianCdfTables.LogSpacedScales()));

    public static QuantizedCdfTables Gaussian64 => LazyGaussian.Value;

    public static double[] Scales { get; } = GaussianCdfTables.LogSpacedScales();

    /// <summary>Tables with random pmfs (some entries exactly zero), random tail masses and offsets.</summary>
    public static QuantizedCdfTables RandomTables(Random random, int count, int maxSymbols)
    {
        var pmfs = new double[count][];
        var tails = new double[count];
        var offsets = new int[count];
        for (int t = 0; t < count; t++)
        {
            int n = random.Next(1, maxSymbols + 1);
            pmfs[t] = new double[n];
            for (int i = 0; i < n; i++)
            {
                pmfs[t][i] = random.Next(4) == 0 ? 0 : random.NextDouble();
            }

            pmfs[t][random.Next(n)] += 0.1;
            tails[t] = random.Next(3) == 0 ? 0 : random.NextDouble() * 1e-3;
            offsets[t] = random.Next(-n, 5);
        }

        return QuantizedCdfTables.FromPmfs(pmfs, tails, offsets);
    }

    /// <summary>Gaussian-distributed values for the given scale indexes, like a latent under a scale hyperprior.</summary>
    public static int[] GaussianValues(Random random, int[] indexes)
    {
        var values = new int[indexes.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            double g = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
            values[i] = (int)Math.Round(Scales[indexes[i]] * g);
        }

        return values;
    }
}
