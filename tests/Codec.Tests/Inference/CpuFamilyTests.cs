using System.Runtime.Intrinsics;

namespace Nic.Codec.Tests.Inference;

/// <summary>
/// The CPU family a test pass claims to run as. CI repeats the engine tests "as an AVX2-only machine runs them" by
/// switching AVX-512 off in the runtime and sets <c>NIC_EXPECT_CPU=avx2</c>; this test fails when the switch did not
/// take (.NET 10 reads <c>DOTNET_EnableAVX512</c> and ignores <c>DOTNET_EnableAVX512F</c>, which earlier runtimes read),
/// so a pass that claims AVX2 never silently runs the AVX-512 kernels again.
/// </summary>
public sealed class CpuFamilyTests
{
    [Fact]
    public void TheRuntimeRunsTheCpuFamilyThePassClaims()
    {
        string? expected = Environment.GetEnvironmentVariable("NIC_EXPECT_CPU");
        switch (expected)
        {
            case null or "":
                return; // no claim: any machine
            case "avx2":
                Assert.False(Vector512.IsHardwareAccelerated, "NIC_EXPECT_CPU=avx2, but Vector512 is hardware-accelerated: set DOTNET_EnableAVX512=0 (.NET 10) as well as DOTNET_EnableAVX512F=0");
                Assert.True(Vector256.IsHardwareAccelerated, "NIC_EXPECT_CPU=avx2, but Vector256 is not hardware-accelerated");
                return;
            case "avx512":
                Assert.True(Vector512.IsHardwareAccelerated, "NIC_EXPECT_CPU=avx512, but Vector512 is not hardware-accelerated");
                return;
            default:
                Assert.Fail($"NIC_EXPECT_CPU is '{expected}'; expected avx2 or avx512");
                return;
        }
    }
}
