namespace Nic.Codec.Inference;

/// <summary>
/// What running a network on an input of a given shape takes (<see cref="LayerMemory.Estimate"/>): the bytes of every
/// buffer the run uses (the pool keeps them all between runs), the longest single buffer in floats (which must fit in
/// one .NET array), and the output's shape.
/// </summary>
internal readonly record struct LayerFootprint(long PeakBytes, long LargestBufferElements, int Channels, int Height, int Width);
