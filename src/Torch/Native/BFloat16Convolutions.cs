using System.Runtime.InteropServices;

namespace Nic.Torch.Native;

/// <summary>
/// Whether libtorch runs bfloat16 convolutions in hardware here: oneDNN's AVX512_BF16 kernels compute g_s forward and
/// backward about twice as fast as in float32 (a 64 × 64 latent of the default model, 2 threads: 0.37 s against 0.79 s),
/// but on a CPU without them (or with oneDNN capped below them, or switched off) libtorch falls back to reference code
/// about 20 times slower than float32 (18.6 s). So bfloat16 is used only where all of these hold: the CPU has AVX512_BF16
/// (<c>at::cpu::is_avx512_bf16_supported()</c>), oneDNN is enabled (<see cref="OneDnnConvolutionCheck"/> may have
/// switched it off), and <c>ONEDNN_MAX_CPU_ISA</c> (or its older name <c>DNNL_MAX_CPU_ISA</c>), when set, allows
/// AVX512_CORE_BF16.
/// </summary>
internal static class BFloat16Convolutions
{
    /// <summary>oneDNN's <c>ONEDNN_MAX_CPU_ISA</c> values that include AVX512_CORE_BF16 (oneDNN 3.x names and aliases).</summary>
    private static readonly string[] IsasWithBFloat16 =
    [
        "ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX10_1_512_AMX",
        "AVX512_CORE_AMX_FP16", "AVX10_1_512_AMX_FP16",
    ];

    private static readonly Lazy<bool> Native = new(() =>
    {
        try
        {
            (bool cpu, bool oneDnn) = ReadLibtorch();
            return Decide(cpu, oneDnn, MaxCpuIsa());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a libtorch without these entry points: float32, which runs everywhere
        }
    });

    /// <summary>Whether this process's libtorch runs bfloat16 convolutions in hardware (decided once).</summary>
    internal static bool AreNative => Native.Value;

    /// <summary>The rule: the CPU's AVX512_BF16, oneDNN enabled, and a cap on oneDNN's ISA (null: none) that allows it.</summary>
    internal static bool Decide(bool cpuHasAvx512BFloat16, bool oneDnnEnabled, string? maxCpuIsa) =>
        cpuHasAvx512BFloat16 && oneDnnEnabled
        && (string.IsNullOrWhiteSpace(maxCpuIsa) || IsasWithBFloat16.Contains(maxCpuIsa.Trim(), StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// What libtorch says: whether the CPU has AVX512_BF16, and whether oneDNN is enabled (after
    /// <see cref="OneDnnConvolutionCheck"/>, which may switch it off). Throws where the entry points are missing.
    /// </summary>
    internal static (bool CpuHasAvx512BFloat16, bool OneDnnEnabled) ReadLibtorch()
    {
        OneDnnConvolutionCheck.EnsureChecked();
        return (IsAvx512BFloat16Supported(), UserEnabledMkldnn(OneDnnConvolutionCheck.GlobalContext()));
    }

    /// <summary>The cap on oneDNN's ISA this process was started with: <c>ONEDNN_MAX_CPU_ISA</c>, else <c>DNNL_MAX_CPU_ISA</c>, else null.</summary>
    internal static string? MaxCpuIsa() =>
        Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { Length: > 0 } isa ? isa : Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");

    /// <summary><c>at::cpu::is_avx512_bf16_supported()</c> (Itanium C++ ABI name).</summary>
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at3cpu24is_avx512_bf16_supportedEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool IsAvx512BFloat16Supported();

    /// <summary><c>at::Context::userEnabledMkldnn() const</c> on the context <paramref name="context"/>.</summary>
    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);
}
