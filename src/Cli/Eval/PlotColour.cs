namespace Nic.Cli.Eval;

/// <summary>An 8-bit RGB colour of a plot.</summary>
internal readonly record struct PlotColour(byte R, byte G, byte B)
{
    /// <summary>White.</summary>
    public static PlotColour White => new(255, 255, 255);

    /// <summary>Black.</summary>
    public static PlotColour Black => new(0, 0, 0);
}
