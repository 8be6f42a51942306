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
            Assert.Equal("mmap threshold 32 MiB, trim threshold 1024 MiB, no mapped blocks", first);
        }

        // Large blocks, one above the mmap threshold (now on the heap too), written, freed and the heap trimmed: the
        // process goes on allocating normally.
        foreach (int size in new[] { GlibcHeap.MmapThreshold / 2, 3 * GlibcHeap.MmapThreshold })
        {
            IntPtr block = Marshal.AllocHGlobal(size);
            Marshal.WriteByte(block, size - 1, 7);
            Assert.Equal(7, Marshal.ReadByte(block, size - 1));
            Marshal.FreeHGlobal(block);
        }

        GlibcHeap.Trim();
        IntPtr again = Marshal.AllocHGlobal(1 << 20);
        Marshal.FreeHGlobal(again);
    }
}
