using System.Buffers.Binary;
using Nic.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class NativeFixTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-torch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void MarkingTheBuiltLibraryWeakIsIdempotentAndLogsOnce()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchNativeFix.LibraryFileName);
        Assert.True(File.Exists(built), built);
        byte[] original = File.ReadAllBytes(built);
        Assert.True(ElfVersionNeedPatcher.TryFindFlagsOffset(original, LibTorchNativeFix.MissingVersion, out int flagsOffset, out bool isElf));
        Assert.True(isElf);

        // The build output may already be patched (by this very process): start from the strong need.
        byte[] strong = (byte[])original.Clone();
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(strong.AsSpan(flagsOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(strong.AsSpan(flagsOffset), (ushort)(flags & ~ElfVersionNeedPatcher.VersionFlagWeak));
        string copy = Path.Combine(_directory, LibTorchNativeFix.LibraryFileName);
        File.WriteAllBytes(copy, strong);

        var log = new List<string>();
        Assert.Equal(VersionNeedPatchOutcome.Patched, LibTorchNativeFix.PatchLibrary(copy, "/test/libstdc++.so.6", log.Add));
        byte[] patched = File.ReadAllBytes(copy);
        Assert.Equal(ElfVersionNeedPatcher.VersionFlagWeak, ElfVersionNeedPatcher.ReadFlags(patched, LibTorchNativeFix.MissingVersion)!.Value & ElfVersionNeedPatcher.VersionFlagWeak);
        Assert.Equal(strong.Length, patched.Length);
        int[] changed = Enumerable.Range(0, strong.Length).Where(i => strong[i] != patched[i]).ToArray();
        Assert.Equal([flagsOffset], changed);
        Assert.Single(log);
        Assert.Contains(LibTorchNativeFix.MissingVersion, log[0]);

        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, LibTorchNativeFix.PatchLibrary(copy, "/test/libstdc++.so.6", log.Add));
        Assert.Equal(patched, File.ReadAllBytes(copy));
        Assert.Single(log);
        Assert.Equal([copy], Directory.GetFiles(_directory));
    }

    [Fact]
    public void NonElfFilesAndMalformedElfFilesAreLeftAlone()
    {
        string text = Path.Combine(_directory, "not-elf.so");
        byte[] textBytes = "this is not a shared object"u8.ToArray();
        File.WriteAllBytes(text, textBytes);
        Assert.Equal(VersionNeedPatchOutcome.NotElf64, ElfVersionNeedPatcher.MarkWeak(text, LibTorchNativeFix.MissingVersion));
        Assert.Equal(textBytes, File.ReadAllBytes(text));

        // A 64-bit little-endian ELF header with no sections: valid, but without the version need.
        byte[] empty = new byte[64];
        "\u007fELF"u8.CopyTo(empty);
        empty[4] = 2;
        empty[5] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(empty.AsSpan(0x3A), 64);
        string emptyPath = Path.Combine(_directory, "empty.so");
        File.WriteAllBytes(emptyPath, empty);
        Assert.Equal(VersionNeedPatchOutcome.VersionNeedAbsent, ElfVersionNeedPatcher.MarkWeak(emptyPath, LibTorchNativeFix.MissingVersion));
        Assert.Equal(empty, File.ReadAllBytes(emptyPath));

        // A header whose section table lies beyond the end of the file.
        byte[] truncated = (byte[])empty.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(truncated.AsSpan(0x28), 1 << 20);
        BinaryPrimitives.WriteUInt16LittleEndian(truncated.AsSpan(0x3C), 5);
        Assert.Null(ElfVersionNeedPatcher.ReadFlags(truncated, LibTorchNativeFix.MissingVersion));
        Assert.False(ElfVersionNeedPatcher.TryFindFlagsOffset(truncated, LibTorchNativeFix.MissingVersion, out _, out bool isElf));
        Assert.False(isElf);
    }

    [Fact]
    public void TorchLoadsAndTrains()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        Assert.Equal(6f, ones(2, 3).sum().item<float>());

        random.manual_seed(1);
        var conv = nn.Conv2d(2, 3, 3, padding: 1);
        Tensor input = randn(1, 2, 6, 6);
        Tensor target = randn(1, 3, 6, 6);
        var optimizer = new Nic.Torch.Training.Adam(conv.parameters(), 1e-2);
        float first = 0, last = 0;
        for (int step = 0; step < 20; step++)
        {
            optimizer.zero_grad();
            Tensor loss = conv.forward(input).sub(target).Squared().mean();
            loss.backward();
            Assert.NotNull(conv.weight!.grad);
            optimizer.step();
            last = loss.item<float>();
            first = step == 0 ? last : first;
        }

        Assert.True(last < first, $"{first} → {last}");
    }
}
