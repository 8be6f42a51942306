using System.Runtime.CompilerServices;
using Nic.Torch;

// torch's random generator is one per process: tests that seed it and then draw training noise (the resume tests)
// would see other tests' draws interleaved if classes ran in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Nic.Torch.Tests;

/// <summary>Runs Nic.Torch's native fix before any test can reach TorchSharp directly.</summary>
internal static class TorchTestSetup
{
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadTorch() => RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
}
