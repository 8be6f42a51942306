using System.Runtime.CompilerServices;
using Nic.Torch;

// torch's random generator is one per process: tests that seed it and then draw training noise (the resume tests)
// would see other tests' draws interleaved if classes ran in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Nic.Torch.Tests;

/// <summary>
/// Runs Nic.Torch's native fix before any test can reach TorchSharp directly, and, with NIC_GC_STRESS=1, collects
/// garbage and runs finalizers without pause on a background thread while the tests run.
/// </summary>
/// <remarks>
/// The stress mode finds native objects that are finalized while a native call still uses them: a TorchSharp
/// <c>Scalar</c> or <c>Tensor</c> that no managed code references any more once its handle has been passed on (an
/// implicit <c>Scalar</c> argument, the alpha that <c>Tensor.add(Tensor)</c> makes for itself, a chained temporary
/// outside a dispose scope). Without the stress such a fault shows only now and then, as a libtorch error about a
/// garbage value or a crash of the test host; with it, it shows within seconds (scripts/torch-gc-stress.sh).
/// </remarks>
internal static class TorchTestSetup
{
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadTorch()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);
        if (Environment.GetEnvironmentVariable("NIC_GC_STRESS") == "1")
        {
            var thread = new Thread(() =>
            {
                while (true)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            })
            {
                IsBackground = true,
                Name = "GC stress",
            };
            thread.Start();
        }
    }
}
