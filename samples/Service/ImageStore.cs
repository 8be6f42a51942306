using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Nic.Format;

namespace Nic.Service;

/// <summary>
/// The stored <c>.nic</c> files: one file per image in a directory, named by a random 128-bit id in lower-case hex and
/// written atomically (a reader sees a file whole or not at all).
/// </summary>
public sealed class ImageStore
{
    /// <summary>The file extension of a stored image.</summary>
    public const string Extension = ".nic";

    /// <summary>Opens (and creates) the configured directory.</summary>
    public ImageStore(IOptions<ServiceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory = Path.GetFullPath(options.Value.StorageDirectory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The directory holding the files.</summary>
    public string Directory { get; }

    /// <summary>Whether <paramref name="id"/> has the form of an id (32 lower-case hex digits), so that it can name no other path.</summary>
    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Stores a file under a new random id and returns the id.</summary>
    public async Task<string> SaveAsync(ReadOnlyMemory<byte> file, CancellationToken cancellationToken)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await Task.Run(() => AtomicFile.WriteAllBytes(PathOf(id), file), cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Opens a stored file for reading; null when there is none of that id.</summary>
    public FileStream? OpenRead(string id)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        try
        {
            return new FileStream(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The path of the file of an id.</summary>
    public string PathOf(string id) => IsValidId(id) ? Path.Combine(Directory, id + Extension) : throw new ArgumentException($"'{id}' is not an image id", nameof(id));
}
