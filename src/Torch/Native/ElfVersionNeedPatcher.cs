using System.Buffers.Binary;
using System.Text;
using Nic.Format;

namespace Nic.Torch.Native;

/// <summary>What <see cref="ElfVersionNeedPatcher.MarkWeak"/> found and did.</summary>
internal enum VersionNeedPatchOutcome
{
    /// <summary>The version need was strong and is now weak; the file was replaced.</summary>
    Patched,

    /// <summary>The version need was already weak; the file was left alone.</summary>
    AlreadyWeak,

    /// <summary>The file is a 64-bit little-endian ELF object without that version need; the file was left alone.</summary>
    VersionNeedAbsent,

    /// <summary>The file is not a well-formed 64-bit little-endian ELF object; the file was left alone.</summary>
    NotElf64,
}

/// <summary>
/// Reads and edits the GNU version-need table (<c>.gnu.version_r</c>, <c>SHT_GNU_VERNEED</c>) of a 64-bit
/// little-endian ELF shared object: finds the <c>Elf64_Vernaux</c> entry that names a symbol version (e.g.
/// <c>GLIBCXX_3.4.32</c>) and sets <c>VER_FLG_WEAK</c> in its <c>vna_flags</c>, so that the dynamic loader accepts a
/// library that lacks that version as long as no symbol bound to it is used. Every offset read from the file is
/// bounds-checked; a malformed file is reported as <see cref="VersionNeedPatchOutcome.NotElf64"/>, never as an
/// exception from the parser.
/// </summary>
internal static class ElfVersionNeedPatcher
{
    /// <summary><c>VER_FLG_WEAK</c>: a version need whose absence is not fatal.</summary>
    internal const ushort VersionFlagWeak = 0x2;

    private const uint SectionTypeGnuVersionNeed = 0x6ffffffe;
    private const int ElfHeaderSize = 0x40;
    private const int SectionHeaderSize = 0x40;
    private const int VersionNeedSize = 16;
    private const int VersionAuxSize = 16;

    /// <summary>
    /// Marks the version need <paramref name="versionName"/> of the ELF file at <paramref name="path"/> weak. The
    /// change (two bytes) is written to a temporary file beside the original, which is then renamed over it, so a
    /// file shared by hard link (a package cache) is never altered and a reader never sees a half-written file.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read or replaced.</exception>
    internal static VersionNeedPatchOutcome MarkWeak(string path, string versionName)
    {
        byte[] image = File.ReadAllBytes(path);
        if (!TryFindFlagsOffset(image, versionName, out int flagsOffset, out bool isElf))
        {
            return isElf ? VersionNeedPatchOutcome.VersionNeedAbsent : VersionNeedPatchOutcome.NotElf64;
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(flagsOffset));
        if ((flags & VersionFlagWeak) != 0)
        {
            return VersionNeedPatchOutcome.AlreadyWeak;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(flagsOffset), (ushort)(flags | VersionFlagWeak));
        AtomicFile.Write(path, stream => stream.Write(image), OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path));

        return VersionNeedPatchOutcome.Patched;
    }

    /// <summary>
    /// The <c>vna_flags</c> of the version need <paramref name="versionName"/> in an ELF image, or null when the image
    /// is not a well-formed 64-bit little-endian ELF object or has no such version need.
    /// </summary>
    internal static ushort? ReadFlags(ReadOnlySpan<byte> image, string versionName) =>
        TryFindFlagsOffset(image, versionName, out int offset, out _) ? BinaryPrimitives.ReadUInt16LittleEndian(image[offset..]) : null;

    /// <summary>
    /// Finds the file offset of <c>vna_flags</c> in the <c>Elf64_Vernaux</c> entry whose name is
    /// <paramref name="versionName"/>. <paramref name="isElf"/> tells a malformed file from a valid one that lacks the
    /// entry.
    /// </summary>
    internal static bool TryFindFlagsOffset(ReadOnlySpan<byte> image, string versionName, out int flagsOffset, out bool isElf)
    {
        flagsOffset = -1;
        isElf = false;
        if (image.Length < ElfHeaderSize || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F'
            || image[4] != 2 /* ELFCLASS64 */ || image[5] != 1 /* ELFDATA2LSB */)
        {
            return false;
        }

        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(image[0x28..]);
        int sectionEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3C..]);
        if (sectionEntrySize < SectionHeaderSize || !Fits(image, sectionTable, (ulong)sectionEntrySize * (ulong)sectionCount))
        {
            return false;
        }

        byte[] wanted = Encoding.ASCII.GetBytes(versionName);
        for (int section = 0; section < sectionCount; section++)
        {
            ReadOnlySpan<byte> header = image.Slice((int)sectionTable + section * sectionEntrySize, SectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionTypeGnuVersionNeed)
            {
                continue;
            }

            ulong needOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            uint stringSection = BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            uint needCount = BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]);
            if (stringSection >= sectionCount)
            {
                return false;
            }

            ReadOnlySpan<byte> stringHeader = image.Slice((int)sectionTable + (int)stringSection * sectionEntrySize, SectionHeaderSize);
            ulong stringsOffset = BinaryPrimitives.ReadUInt64LittleEndian(stringHeader[0x18..]);
            ulong stringsSize = BinaryPrimitives.ReadUInt64LittleEndian(stringHeader[0x20..]);
            if (!Fits(image, stringsOffset, stringsSize))
            {
                return false;
            }

            ReadOnlySpan<byte> strings = image.Slice((int)stringsOffset, (int)stringsSize);
            ulong need = needOffset;
            for (uint n = 0; n < needCount; n++)
            {
                if (!Fits(image, need, VersionNeedSize))
                {
                    return false;
                }

                ReadOnlySpan<byte> needEntry = image.Slice((int)need, VersionNeedSize);
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(needEntry[2..]);
                ulong aux = need + BinaryPrimitives.ReadUInt32LittleEndian(needEntry[8..]);
                for (int a = 0; a < auxCount; a++)
                {
                    if (!Fits(image, aux, VersionAuxSize))
                    {
                        return false;
                    }

                    ReadOnlySpan<byte> auxEntry = image.Slice((int)aux, VersionAuxSize);
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(auxEntry[8..]);
                    if (name < strings.Length)
                    {
                        ReadOnlySpan<byte> rest = strings[(int)name..];
                        int end = rest.IndexOf((byte)0);
                        if (end >= 0 && rest[..end].SequenceEqual(wanted))
                        {
                            flagsOffset = (int)aux + 4;
                            isElf = true;
                            return true;
                        }
                    }

                    uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(auxEntry[12..]);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint nextNeed = BinaryPrimitives.ReadUInt32LittleEndian(needEntry[12..]);
                if (nextNeed == 0)
                {
                    break;
                }

                need += nextNeed;
            }
        }

        isElf = true;
        return false;
    }

    private static bool Fits(ReadOnlySpan<byte> image, ulong offset, ulong length) =>
        offset <= (ulong)image.Length && length <= (ulong)image.Length - offset;
}
