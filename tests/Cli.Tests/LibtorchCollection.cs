namespace Nic.Cli.Tests;

/// <summary>
/// The test classes that run libtorch in this process (nic-torch commands through <see cref="CliRunner.RunTorch"/>, or
/// TorchSharp directly). libtorch's thread count is process-wide, and <c>--threads</c> of <c>train</c>, <c>bench train</c>
/// and <c>bitsback</c> set it (<c>torch.set_num_threads</c>); a libtorch convolution's sums, and so an effort-2 search's
/// file, depend on it. In one collection these classes never run side by side, so a test that runs a search twice
/// sees the same thread count both times: <c>BatchCommandTests.EffortAboveOneIsNicTorchsAndCodesTheFilesEncodeWould</c>
/// failed in a CI rehearsal when <c>TrainCommandTests</c> set one thread between its batch and its single encode.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LibtorchCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch in this process";
}
