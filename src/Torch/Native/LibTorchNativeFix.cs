using System.Runtime.CompilerServices;
using System.Text;

namespace Nic.Torch.Native;

/// <summary>
/// Makes TorchSharp's native glue, <c>libLibTorchSharp.so</c>, loadable on Linux distributions whose libstdc++
/// predates GCC 13 (Debian 12). The library lists a need for the symbol version <c>GLIBCXX_3.4.32</c>, whose only
/// symbol (<c>std::ios_base_library_init()</c>) it never calls; when the system libstdc++ lacks that version, the copy
/// in this application's output is edited so that the need is weak (<see cref="ElfVersionNeedPatcher"/>). Runs when the
/// assembly is loaded — before anything can touch TorchSharp's <c>torch</c> type, whose failed initialisation would be
/// permanent for the process — because every build copies the unedited file back. Idempotent; logs one line to
/// standard error when it edits a file; never edits anything outside the application's directory.
/// </summary>
internal static class LibTorchNativeFix
{
    /// <summary>The symbol version that Debian 12's libstdc++ lacks.</summary>
    internal const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>The file name of TorchSharp's native glue library on Linux.</summary>
    internal const string LibraryFileName = "libLibTorchSharp.so";

    private static readonly OncePerProcess Once = new(Run);

    /// <summary>What the fix did in this process, for error messages: null before it has run.</summary>
    internal static string? Summary => Once.Summary;

#pragma warning disable CA2255 // A module initializer is the only hook that runs before user code can reach TorchSharp.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ApplyOnAssemblyLoad() => Apply(message => Console.Error.WriteLine(message));

    /// <summary>Applies the fix to the copies of the library this process may load; safe to call any number of times.</summary>
    internal static void Apply(Action<string> log) => Once.Apply(log);

    private static string Run(Action<string> log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not needed: not Linux";
        }

        string? systemLibrary = FindSystemLibStdCxx();
        if (systemLibrary is null)
        {
            return "not applied: no system libstdc++.so.6 was found to check";
        }

        try
        {
            if (ContainsVersion(systemLibrary, MissingVersion))
            {
                return $"not needed: {systemLibrary} provides {MissingVersion}";
            }

            var outcomes = new List<string>();
            foreach (string candidate in LibraryCandidates())
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                VersionNeedPatchOutcome outcome = PatchLibrary(candidate, systemLibrary, log);
                outcomes.Add($"{candidate}: {outcome}");
            }

            return outcomes.Count == 0
                ? $"{systemLibrary} lacks {MissingVersion}, but no {LibraryFileName} was found under {AppContext.BaseDirectory}"
                : $"{systemLibrary} lacks {MissingVersion}; " + string.Join("; ", outcomes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"failed: {e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>
    /// Marks the need of one library file weak and logs exactly one line when that changed the file (none when it was
    /// already weak, is not ELF or has no such need).
    /// </summary>
    internal static VersionNeedPatchOutcome PatchLibrary(string libraryPath, string systemLibrary, Action<string> log)
    {
        VersionNeedPatchOutcome outcome = ElfVersionNeedPatcher.MarkWeak(libraryPath, MissingVersion);
        if (outcome == VersionNeedPatchOutcome.Patched)
        {
            log($"Nic.Torch: marked the {MissingVersion} version need of {libraryPath} weak ({systemLibrary} lacks {MissingVersion}; the library never calls the one symbol under it).");
        }

        return outcome;
    }

    /// <summary>Where a build (<c>runtimes/linux-x64/native</c>) or a RID-specific publish (the root) puts the library.</summary>
    private static IEnumerable<string> LibraryCandidates()
    {
        var directories = new List<string> { AppContext.BaseDirectory };
        string? assemblyDirectory = Path.GetDirectoryName(typeof(LibTorchNativeFix).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            directories.Add(assemblyDirectory);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string directory in directories)
        {
            foreach (string path in new[]
            {
                Path.Combine(directory, "runtimes", "linux-x64", "native", LibraryFileName),
                Path.Combine(directory, "runtimes", "linux-arm64", "native", LibraryFileName),
                Path.Combine(directory, LibraryFileName),
            })
            {
                string full = Path.GetFullPath(path);
                if (seen.Add(full))
                {
                    yield return full;
                }
            }
        }
    }

    /// <summary>The libstdc++.so.6 the dynamic loader would pick: LD_LIBRARY_PATH first, then the usual system directories.</summary>
    private static string? FindSystemLibStdCxx()
    {
        var directories = new List<string>();
        string? libraryPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(libraryPath))
        {
            directories.AddRange(libraryPath.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }

        directories.AddRange(
        [
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib",
        ]);
        return directories.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    /// <summary>Whether a shared library's bytes contain the NUL-terminated version name (as its version definitions do).</summary>
    internal static bool ContainsVersion(string libraryPath, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(libraryPath).AsSpan().IndexOf(needle) >= 0;
    }
}
