namespace Nic.Format;

/// <summary>
/// Writes a file so that readers see either the old content or the whole new content, never a part: the bytes go to a
/// temporary file in the target's folder, are flushed to disk, and the temporary file is renamed over the target. On
/// any failure the temporary file is removed and the target is left as it was. Every writer of the SDK and of the
/// <c>nic</c> tool saves files this way.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>.</summary>
    /// <param name="path">The target path; an existing file is replaced only once the new one is complete.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <param name="mode">Unix permissions for the new file (ignored on Windows); null for the defaults.</param>
    public static void Write(string path, Action<Stream> write, UnixFileMode? mode = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } permissions && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, permissions);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The target path; an existing file is replaced only once the new one is complete.</param>
    /// <param name="bytes">The whole content.</param>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, stream => stream.Write(bytes.Span));
}
