namespace Nic.Codec.Inference;

/// <summary>
/// What running a network on an input of a given shape takes (<see cref="LayerMemory.Estimate"/>): the bytes of every
/// buffer the run uses (the pool keeps them all between runs), the longest single buffer in floats (which must fit in
/// one .NET array), and the output's shape.
/// </summary>
/// <param name="PeakBytes">The bytes of every buffer the run uses.</param>
/// <param name="LargestBufferElements">The longest single buffer, in floats.</param>
/// <param name="Channels">The output's channels.</param>
/// <param name="Height">The output's height.</param>
/// <param name="Width">The output's width.</param>
public readonly record struct LayerFootprint(long PeakBytes, long LargestBufferElements, int Channels, int Height, int Width);
