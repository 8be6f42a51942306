using System.Runtime.InteropServices;
using Nic.Torch.Native;

namespace Nic.Torch.Tests;

public sealed class GlibcHeapTests
{
    /// <summary>Whether this process should run with Nic.Torch's malloc settings: on Linux with glibc, unless opted out.</summary>
    internal static bool ExpectTuned =>
        OperatingSystem.IsLinux()
        && !string.Equals(Environment.GetEnvironmentVariable(GlibcHeap.OptOutVariable), "default", StringComparison.OrdinalIgnoreCase)
        && NativeLibrary.TryLoad("libc.so.6", out IntPtr libc)
        && NativeLibrary.TryGetExport(libc, "mallopt", out _);

    /// <summary>The settings apply once, say what they did, and the trim after a search runs with them in force.</summary>
    [Fact]
    public void TheSettingsApplyOnceAndSayWhatTheyDid()
    {
        GlibcHeap.KeepLargeBlocks();
        string first = Assert.IsType<string>(GlibcHeap.Summary);
        GlibcHeap.KeepLargeBlocks();
        Assert.Same(first, GlibcHeap.Summary);
        Assert.Equal(ExpectTuned, GlibcHeap.Tuned);
        if (ExpectTuned)
        {
            Assert.Equal("mmap threshold 32 MiB, trim threshold 1024 MiB", first);
        }

        // A large block freed and the heap trimmed: the process goes on allocating normally.
        IntPtr block = Marshal.AllocHGlobal(GlibcHeap.MmapThreshold / 2);
        Marshal.FreeHGlobal(block);
        GlibcHeap.Trim();
        IntPtr again = Marshal.AllocHGlobal(1 << 20);
        Marshal.FreeHGlobal(again);
    }
}
