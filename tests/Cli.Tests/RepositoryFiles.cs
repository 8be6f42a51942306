namespace Nic.Cli.Tests;

/// <summary>Files of the repository the tests read (shipped models, committed data), found from the test assembly upwards.</summary>
internal static class RepositoryFiles
{
    /// <summary>The repository root: the folder of the conformance suite's parent.</summary>
    public static string Root => Path.GetDirectoryName(ConformanceSuiteTests.SuiteDirectory)!;

    /// <summary>The full path of <paramref name="relative"/> (a path under the root); it must exist.</summary>
    /// <exception cref="FileNotFoundException">It does not.</exception>
    public static string Find(string relative)
    {
        string path = Path.Combine(Root, relative);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{relative} is not in the repository at {Root}", path);
    }
}
