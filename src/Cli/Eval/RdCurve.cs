namespace Nic.Cli.Eval;

/// <summary>A codec's rate–distortion curve: one point per rate point or quality.</summary>
/// <param name="Name">The Nic model family or the classical codec.</param>
/// <param name="Kind">"nic" or "classical".</param>
/// <param name="Points">The points, by rising rate point or quality.</param>
/// <param name="Family">The Nic model family (null for a classical codec).</param>
/// <param name="Effort">The encoder effort of a Nic curve.</param>
internal sealed record RdCurve(string Name, string Kind, IReadOnlyList<RdCurvePoint> Points, string? Family = null, int Effort = 1)
{
    /// <summary>The points averaged over the images.</summary>
    public IReadOnlyList<RdPoint> MeanPoints => [.. Points.Select(p => p.Mean)];
}
