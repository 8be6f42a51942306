namespace Nic.Codec.Tests.Pipeline;

/// <summary>Tests that measure time or allocation run alone, after the others, so that other tests do not blur the figures.</summary>
[CollectionDefinition(nameof(SoloCollection), DisableParallelization = true)]
public sealed class SoloCollection;
