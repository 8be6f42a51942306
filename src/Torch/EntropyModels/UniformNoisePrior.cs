using static TorchSharp.torch;

namespace Nic.Torch.EntropyModels;

/// <summary>
/// A symmetric location–scale distribution convolved with the unit uniform U(−½, ½), as TF Compression's
/// <c>NoisyLogistic</c> and <c>NoisyNormal</c>: the density of y + u, which at integers is the probability of the
/// rounded value. The likelihood of y is F((y − loc + ½)/s) − F((y − loc − ½)/s), evaluated on the lower tail
/// (with |y − loc| mirrored below the location) so that it stays accurate far from the centre.
/// </summary>
public abstract class UniformNoisePrior
{
    /// <summary>Creates a prior; location and scale broadcast against each other and give the prior's batch shape.</summary>
    /// <exception cref="ArgumentException">The tensors do not broadcast.</exception>
    protected UniformNoisePrior(Tensor location, Tensor scale)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(scale);
        Location = location;
        Scale = scale;
        BatchShape = BroadcastShape(location.shape, scale.shape)
            ?? throw new ArgumentException($"location {TensorData.Shape(location)} and scale {TensorData.Shape(scale)} do not broadcast");
    }

    /// <summary>The location (the centre of the distribution).</summary>
    public Tensor Location { get; }

    /// <summary>The scale (positive).</summary>
    public Tensor Scale { get; }

    /// <summary>The broadcast shape of location and scale: one independent distribution per element.</summary>
    public IReadOnlyList<long> BatchShape { get; }

    /// <summary>The likelihood of each element of <paramref name="values"/>: the mass of [y − ½, y + ½) under the base distribution. Differentiable.</summary>
    public Tensor Likelihood(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using var scope = NewDisposeScope();
        Tensor distance = values.sub(Location).abs().neg();
        Tensor upper = StandardCdf(distance.Plus(0.5).div(Scale));
        Tensor lower = StandardCdf(distance.Minus(0.5).div(Scale));
        return upper.sub(lower).MoveToOuterDisposeScope();
    }

    private static long[]? BroadcastShape(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }

            shape[i] = da == 1 ? db : da;
        }

        return shape;
    }

    /// <summary>The base distribution's standard CDF F (location 0, scale 1), elementwise.</summary>
    protected internal abstract Tensor StandardCdf(Tensor x);

    /// <summary>F(x) in binary64, accurate in the lower tail, for building tables.</summary>
    protected internal abstract double StandardCdf(double x);

    /// <summary>The q with F(−q) = <paramref name="probability"/> for 0 &lt; p &lt; ½: how far the lower tail reaches.</summary>
    protected internal abstract double LowerTailDistance(double probability);
}
