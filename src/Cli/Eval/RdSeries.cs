namespace Nic.Cli.Eval;

/// <summary>One curve of a rate–distortion plot: a codec or model and its measured points.</summary>
/// <param name="Label">The name shown in the legend.</param>
/// <param name="Points">The points; non-finite ones are left out of the plot.</param>
internal sealed record RdSeries(string Label, IReadOnlyList<RdPoint> Points);
