using System.Globalization;
using System.Security.Cryptography;

namespace Nic.Fuzz;

/// <summary>
/// Where findings go: <c>FOLDER/TARGET/crash-HASH.bin</c> (or <c>hang-HASH.bin</c>) holds the input and a <c>.txt</c>
/// beside it the exception. Findings are told apart by exception type and the first frame inside Nic, so one bug met
/// a thousand times is saved once.
/// </summary>
internal sealed class FindingStore
{
    private readonly string _folder;
    private readonly HashSet<string> _signatures = new(StringComparer.Ordinal);

    /// <summary>Creates a store for one target.</summary>
    /// <param name="root">The findings folder.</param>
    /// <param name="target">The target's name.</param>
    public FindingStore(string root, string target) => _folder = Path.Combine(root, target);

    /// <summary>The number of findings, each counted once.</summary>
    public int Count => _signatures.Count;

    /// <summary>Records a crash: an exception that escaped the target.</summary>
    /// <returns>The file the input was saved to, or null when the same finding was already saved.</returns>
    public string? AddCrash(byte[] input, Exception exception)
    {
        string signature = $"{exception.GetType().FullName} {FirstNicFrame(exception)}";
        return _signatures.Add(signature) ? Save("crash", input, $"{signature}\n\n{exception}\n") : null;
    }

    /// <summary>Records an input whose execution did not end in time.</summary>
    /// <returns>The file the input was saved to.</returns>
    public string AddHang(byte[] input, TimeSpan elapsed)
    {
        _signatures.Add("hang");
        return Save("hang", input, string.Create(CultureInfo.InvariantCulture, $"the execution had not ended after {elapsed.TotalSeconds:F1} s\n"));
    }

    /// <summary>The first stack frame in a Nic assembly other than the fuzz harness: where the bug most likely is.</summary>
    public static string FirstNicFrame(Exception exception)
    {
        string[] lines = (exception.StackTrace ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.FirstOrDefault(l => l.Contains(" Nic.", StringComparison.Ordinal) && !l.Contains(" Nic.Fuzz.", StringComparison.Ordinal))
            ?? lines.FirstOrDefault()
            ?? exception.Message;
    }

    private string Save(string kind, byte[] input, string description)
    {
        Directory.CreateDirectory(_folder);
        string name = $"{kind}-{Convert.ToHexString(SHA256.HashData(input), 0, 6).ToLowerInvariant()}";
        string path = Path.Combine(_folder, name + ".bin");
        File.WriteAllBytes(path, input);
        File.WriteAllText(Path.Combine(_folder, name + ".txt"), description);
        return path;
    }
}
