using System.Runtime.InteropServices;

namespace Nic.Torch.Native;

/// <summary>
/// glibc's malloc settings for the encoder's latent search, whose libtorch passes allocate and free maps of tens of MB
/// many times a second (g_s over a tile of 68 × 68 latents: 96 channels × 544 × 544 floats, 113 MB).
/// </summary>
/// <remarks>
/// <para>
/// By default glibc hands such blocks out as fresh mappings and unmaps them when they are freed (its mmap threshold
/// starts at 128 KiB and rises only after such a free, and the heap returns memory above its trim threshold at once),
/// so every map is faulted in page by page again: on a 2-core VM, <c>nic-torch bench effort</c> processes spent 5–19 % of
/// their processor time in the kernel (1.5–12 % with the first two settings below), and a pass of the search was about 10 %
/// faster with them (docs/rate-distortion.md, session 15). Once per process, before its first search, Nic.Torch sets the mmap
/// threshold to <see cref="MmapThreshold"/> (glibc's largest on 64-bit), the trim threshold to <see cref="TrimThreshold"/>
/// and the most blocks glibc maps on their own to 0, as
/// <c>GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…:glibc.malloc.trim_threshold=…:glibc.malloc.mmap_max=0</c> would; after
/// each search it calls <c>malloc_trim(0)</c>, which gives the freed memory back to the system.
/// </para>
/// <para>
/// The mmap threshold alone keeps blocks of up to 32 MiB on the heap; larger ones were still mapped and faulted in afresh.
/// With none mapped, <see cref="Inference.SynthesisTiles"/> runs g_s over tiles of up to 64 × 64 latents, whose maps are
/// larger, without that cost: their processes spent about 2 % of their CPU time in the kernel instead of about 9 % (tiles of 64
/// with the mmap threshold alone, on a 1350 × 890 photo), and g_s's passes took 12–15 % less time than over tiles of 32.
/// </para>
/// <para>
/// The settings hold for the whole process (glibc has no other scope): native code that frees memory keeps up to 1 GiB of
/// it until the next trim. Set the environment variable <c>NIC_TORCH_MALLOC=default</c> to leave glibc's settings as
/// they are. Elsewhere than on Linux with glibc nothing is done.
/// </para>
/// </remarks>
internal static class GlibcHeap
{
    /// <summary>Blocks below this come from the heap instead of a mapping of their own: glibc's largest allowed value on 64-bit (HEAP_MAX_SIZE / 2).</summary>
    internal const int MmapThreshold = 32 << 20;

    /// <summary>The free memory at the top of the heap that glibc keeps instead of returning it to the system.</summary>
    internal const int TrimThreshold = 1 << 30;

    /// <summary>The environment variable that, set to <c>default</c>, leaves glibc's malloc settings alone.</summary>
    internal const string OptOutVariable = "NIC_TORCH_MALLOC";

    private const int TrimThresholdParameter = -1; // M_TRIM_THRESHOLD
    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD
    private const int MmapMaxParameter = -4; // M_MMAP_MAX

    private static readonly OncePerProcess Once = new(Run);

    /// <summary>What the step did in this process: null before it has run.</summary>
    internal static string? Summary => Once.Summary;

    /// <summary>Whether the settings are in force in this process (and <see cref="Trim"/> trims).</summary>
    internal static bool Tuned { get; private set; }

    /// <summary>Applies the settings once per process (later calls return at once).</summary>
    internal static void KeepLargeBlocks() => Once.Apply(static _ => { });

    /// <summary>Gives the heap's free memory back to the system, when the settings are in force.</summary>
    internal static void Trim()
    {
        if (Tuned)
        {
            _ = MallocTrim(0);
        }
    }

    private static string Run(Action<string> log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux: glibc's settings do not apply";
        }

        if (string.Equals(Environment.GetEnvironmentVariable(OptOutVariable), "default", StringComparison.OrdinalIgnoreCase))
        {
            return $"{OptOutVariable}=default: glibc's settings left alone";
        }

        try
        {
            bool set = MallOpt(MmapThresholdParameter, MmapThreshold) == 1
                && MallOpt(TrimThresholdParameter, TrimThreshold) == 1
                && MallOpt(MmapMaxParameter, 0) == 1;
            Tuned = set;
            return set ? $"mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB, no mapped blocks" : "mallopt refused the settings";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"no glibc ({e.GetType().Name}): settings left alone";
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
