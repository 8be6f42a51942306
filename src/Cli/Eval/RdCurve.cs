namespace Nic.Cli.Eval;

/// <summary>A codec's rate–distortion curve: one point per rate point or quality.</summary>
/// <param name="Name">The Nic model family or the classical codec.</param>
/// <param name="Kind">"nic" or "classical".</param>
/// <param name="Points">The points, by rising rate point or quality.</param>
internal sealed record RdCurve(string Name, string Kind, IReadOnlyList<RdCurvePoint> Points)
{
    /// <summary>The points averaged over the images.</summary>
    public IReadOnlyList<RdPoint> MeanPoints => [.. Points.Select(p => p.Mean)];
}
