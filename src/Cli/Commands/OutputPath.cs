namespace Nic.Cli.Commands;

/// <summary>Checks of an output path made before any work, so that a mistake is reported as the user wrote it.</summary>
internal static class OutputPath
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the folder when the folder of <paramref name="path"/> does not
    /// exist (the atomic writer would otherwise fail later, on the name of its temporary file).
    /// </summary>
    public static void CheckFolder(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            throw new ArgumentException($"the output folder '{folder}' does not exist");
        }
    }
}
