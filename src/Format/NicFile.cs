using System.Buffers;

namespace Nic.Format;

/// <summary>
/// A whole <c>.nic</c> container in memory: header, metadata, z substream and bands. For
/// large images prefer <see cref="NicReader"/> and <see cref="NicWriter"/>, which stream.
/// </summary>
public sealed class NicFile
{
    /// <summary>The header.</summary>
    public required NicHeader Header { get; init; }

    /// <summary>The metadata; <see cref="NicMetadata.Empty"/> when the file carries none.</summary>
    public NicMetadata Metadata { get; init; } = NicMetadata.Empty;

    /// <summary>The z substream, or null when the header declares no z latent.</summary>
    public byte[]? ZSubstream { get; init; }

    /// <summary>
    /// Whether writing stores each metadata item in its compressed chunk when that is smaller (spec/nic-format.md §5.4;
    /// the default). False writes only the raw chunks of version 1.0, whose metadata readers of version 1.0 also return.
    /// Reading leaves it at the default whatever form the file used.
    /// </summary>
    public bool CompressMetadata { get; init; } = true;

    /// <summary>The coded bytes of each y band, in band order.</summary>
    public required IReadOnlyList<byte[]> Bands { get; init; }

    /// <summary>Reads a whole file from memory.</summary>
    /// <param name="data">The file's bytes.</param>
    /// <param name="options">The limits to enforce, or null for the defaults.</param>
    /// <returns>The file.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public static NicFile Read(ReadOnlyMemory<byte> data, NicReaderOptions? options = null)
    {
        using var reader = new NicReader(data, options);

        // A reader over memory never waits, so every step has completed when it returns.
        var task = ReadAsync(reader, CancellationToken.None);
        return task.IsCompleted ? task.GetAwaiter().GetResult() : task.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Reads a whole file from a stream.</summary>
    /// <param name="stream">The stream, positioned at the signature. It is left open.</param>
    /// <param name="options">The limits to enforce, or null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The file.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public static async ValueTask<NicFile> ReadAsync(Stream stream, NicReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        var reader = new NicReader(stream, options, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a whole file from disk.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="options">The limits to enforce, or null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The file.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static async ValueTask<NicFile> ReadAsync(string path, NicReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        var reader = NicReader.Open(path, options);
        await using (reader.ConfigureAwait(false))
        {
            return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the rest of a file from a reader, copying every payload.</summary>
    /// <param name="reader">A reader that has not yet passed the metadata.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The file.</returns>
    /// <exception cref="NicFormatException">The input is malformed.</exception>
    public static async ValueTask<NicFile> ReadAsync(NicReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        var metadata = await reader.ReadMetadataAsync(cancellationToken).ConfigureAwait(false);
        byte[]? z = null;
        if (header.HasHyperprior)
        {
            z = (await reader.ReadZSubstreamAsync(cancellationToken).ConfigureAwait(false)).ToArray();
        }

        var bands = new List<byte[]>(header.BandCount);
        while (await reader.ReadNextBandAsync(cancellationToken).ConfigureAwait(false) is { } band)
        {
            bands.Add(band.Payload.ToArray());
        }

        return new NicFile { Header = header, Metadata = metadata, ZSubstream = z, Bands = bands };
    }

    /// <summary>Writes the file to a stream, which is left open.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentException">The header is invalid, or the z substream or band count does not match it.</exception>
    public void Write(Stream stream)
    {
        CheckParts();
        using var writer = new NicWriter(stream, leaveOpen: true);
        writer.WriteHeader(Header);
        writer.WriteMetadata(Metadata, CompressMetadata);
        if (ZSubstream is { } z)
        {
            writer.WriteZSubstream(z);
        }

        foreach (var band in Bands)
        {
            writer.WriteBand(band);
        }

        writer.Complete();
    }

    /// <summary>Writes the file to a stream, which is left open.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file has been written.</returns>
    /// <exception cref="ArgumentException">The header is invalid, or the z substream or band count does not match it.</exception>
    public async ValueTask WriteAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        CheckParts();
        var writer = new NicWriter(stream, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteHeaderAsync(Header, cancellationToken).ConfigureAwait(false);
            await writer.WriteMetadataAsync(Metadata, CompressMetadata, cancellationToken).ConfigureAwait(false);
            if (ZSubstream is { } z)
            {
                await writer.WriteZSubstreamAsync(z, cancellationToken).ConfigureAwait(false);
            }

            foreach (var band in Bands)
            {
                await writer.WriteBandAsync(band, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the file to disk. The bytes go to a temporary file in the same folder, which
    /// replaces the target only when complete, so a failure never leaves a half-written file.
    /// </summary>
    /// <param name="path">The file path.</param>
    /// <exception cref="ArgumentException">The header is invalid, or the z substream or band count does not match it.</exception>
    public void Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckParts();
        AtomicFile.Write(path, Write);
    }

    /// <summary>The file's bytes.</summary>
    /// <returns>A new array.</returns>
    /// <exception cref="ArgumentException">The header is invalid, or the z substream or band count does not match it.</exception>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        Write(stream);
        return stream.ToArray();
    }

    private void CheckParts()
    {
        ArgumentNullException.ThrowIfNull(Header);
        ArgumentNullException.ThrowIfNull(Bands);
        if (Header.HasHyperprior != ZSubstream is not null)
        {
            throw new ArgumentException(
                Header.HasHyperprior ? "The header declares a z latent but there is no z substream." : "There is a z substream but the header declares no z latent.");
        }

        if (Bands.Count != Header.BandCount)
        {
            throw new ArgumentException($"The header declares {Header.BandCount} bands; {Bands.Count} are given.");
        }
    }
}
