namespace Nic.Format.Tests;

/// <summary>The real ICC, EXIF and XMP items of samples/metadata (see its README), found from the test's output folder upwards.</summary>
internal static class MetadataSamples
{
    public static byte[] Read(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "metadata", name);
            if (File.Exists(candidate))
            {
                return File.ReadAllBytes(candidate);
            }
        }

        throw new FileNotFoundException($"samples/metadata/{name} not found above the test output folder.");
    }
}
