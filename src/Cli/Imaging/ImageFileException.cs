namespace Nic.Cli.Imaging;

/// <summary>
/// An image file that cannot be read: not an image, truncated, corrupt, of an unsupported kind, or declaring a size
/// beyond the limit. The message names the file and what is wrong with it.
/// </summary>
internal sealed class ImageFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="fileName"/> with <paramref name="problem"/>, e.g. "truncated".</summary>
    public ImageFileException(string fileName, string problem, Exception? innerException = null)
        : base($"{fileName}: {problem}", innerException)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>The file (or the name given for in-memory bytes).</summary>
    public string FileName { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
