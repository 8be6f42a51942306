namespace Nic.Codec.Pipeline;

/// <summary>The result of <see cref="DecodePlan.Memory"/>: the peak bytes of a decode, and its longest single buffer in elements.</summary>
internal readonly record struct DecodeMemoryEstimate(long Bytes, long LargestBufferElements);
