namespace Nic.Cli.Commands;

/// <summary>
/// The <c>-</c> convention of the codec commands: an input of <c>-</c> is standard input, <c>-o -</c> is standard
/// output. Binary data goes through the process's own streams (<see cref="Console.OpenStandardInput()"/>,
/// <see cref="Console.OpenStandardOutput()"/>), never through the invocation's text writers; while standard output
/// carries a file, the result line goes to standard error.
/// </summary>
internal static class StandardStreams
{
    /// <summary>The name that stands for standard input or output.</summary>
    public const string Dash = "-";

    /// <summary>Whether <paramref name="file"/> is the <c>-</c> the user typed (not a path such as <c>./-</c>).</summary>
    public static bool IsDash(FileSystemInfo? file) => file is not null && file.ToString() == Dash;

    /// <summary>
    /// Refuses <c>-o -</c> while standard output is a terminal, before any work (binary data would garble it), as
    /// cwebp and cjxl do.
    /// </summary>
    /// <exception cref="ArgumentException">Standard output is not redirected.</exception>
    public static void CheckOutputRedirected()
    {
        if (!Console.IsOutputRedirected)
        {
            throw new ArgumentException("-o - writes binary data, and standard output is a terminal; redirect it (> file, | command) or name an output file");
        }
    }

    /// <summary>Standard input, for reading binary data.</summary>
    public static Stream OpenInput() => Console.OpenStandardInput();

    /// <summary>Writes <paramref name="bytes"/> to standard output and flushes it.</summary>
    public static async Task WriteOutputAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await using Stream output = Console.OpenStandardOutput();
        await output.WriteAsync(bytes, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }
}
