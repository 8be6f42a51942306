using System.IO.Compression;
using System.Security.Cryptography;
using Nic.Cli.Imaging;
using Nic.Format;

namespace Nic.Cli.Bench;

/// <summary>
/// <c>nic bench metadata</c>: what ICC profiles, EXIF blocks and XMP packets cost in a <c>.nic</c> file
/// (spec/nic-format.md §5.4) and what the BCL's lossless coders would make of them: the raw size, the payload the
/// writer stores (a compressed chunk where that is smaller, else the raw one), Brotli at qualities 11, 9 and 5 and
/// ZLib (Deflate with its 6-byte frame) at levels 9 and 6.
/// </summary>
internal static class MetadataBenchmark
{
    /// <summary>The coders measured besides the writer, as (name, compress).</summary>
    public static readonly (string Name, Func<byte[], int> Size)[] Coders =
    [
        ("brotli11", item => Brotli(item, 11)),
        ("brotli9", item => Brotli(item, 9)),
        ("brotli5", item => Brotli(item, 5)),
        ("zlib9", item => ZLib(item, 9)),
        ("zlib6", item => ZLib(item, 6)),
    ];

    /// <summary>
    /// The metadata items of <paramref name="paths"/>: an image (PNG, JPEG, …) gives the ICC profile, EXIF and XMP it carries,
    /// as <c>nic encode</c> reads them; a file named <c>*.icc</c> or <c>*.icm</c>, <c>*.exif</c> or <c>*.xmp</c> is one item
    /// of that kind. Items with the same bytes are measured once.
    /// </summary>
    public static IReadOnlyList<MetadataSample> Collect(IEnumerable<string> paths)
    {
        var samples = new List<MetadataSample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string source, string kind, byte[]? bytes)
        {
            if (bytes is { Length: > 0 } && seen.Add(Convert.ToHexString(SHA256.HashData(bytes))))
            {
                samples.Add(new MetadataSample(source, kind, bytes));
            }
        }

        foreach (string path in paths)
        {
            string name = Path.GetFileName(path);
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".icc" or ".icm":
                    Add(name, "icc", File.ReadAllBytes(path));
                    break;
                case ".exif":
                    Add(name, "exif", File.ReadAllBytes(path));
                    break;
                case ".xmp":
                    Add(name, "xmp", File.ReadAllBytes(path));
                    break;
                default:
                    NicMetadata metadata = ImageFiles.Read(path).Metadata;
                    Add(name, "icc", metadata.IccProfile);
                    Add(name, "exif", metadata.Exif);
                    Add(name, "xmp", metadata.Xmp);
                    break;
            }
        }

        return samples;
    }

    /// <summary>The sizes of one item: raw, as the writer stores it, and with each of <see cref="Coders"/>.</summary>
    public static MetadataSizes Measure(MetadataSample sample)
    {
        (NicChunkType chunk, int stored) = StoredByWriter(sample);
        return new MetadataSizes(sample, chunk.ToString(), stored, [.. Coders.Select(c => c.Size(sample.Bytes))]);
    }

    /// <summary>The chunk type and payload length the writer gives the item, read back from a file it wrote.</summary>
    private static (NicChunkType Chunk, int Length) StoredByWriter(MetadataSample sample)
    {
        var header = new NicHeader
        {
            Width = 1,
            Height = 1,
            Alignment = 1,
            Model = new NicModelId("metadata-bench", new byte[NicConstants.ModelHashLength]),
            YShape = new NicLatentShape(1, 1, 1),
            BandRows = 1,
        };
        var metadata = sample.Kind switch
        {
            "icc" => new NicMetadata { IccProfile = sample.Bytes },
            "exif" => new NicMetadata { Exif = sample.Bytes },
            _ => new NicMetadata { Xmp = sample.Bytes },
        };
        byte[] file = new NicFile { Header = header, Metadata = metadata, Bands = [[]] }.ToArray();
        using var reader = new NicReader(file);
        reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult();
        NicChunkInfo chunk = reader.ReadChunkAsync().AsTask().GetAwaiter().GetResult()!;
        return (chunk.Type, chunk.Length);
    }

    private static int Brotli(byte[] item, int quality)
    {
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(item.Length)];
        return BrotliEncoder.TryCompress(item, buffer, out int written, quality, 22) ? written : throw new InvalidOperationException("Brotli failed");
    }

    private static int ZLib(byte[] item, int level)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            zlib.Write(item);
        }

        return (int)buffer.Length;
    }
}

/// <summary>One metadata item: where it came from, its kind (icc, exif, xmp) and its bytes.</summary>
internal sealed record MetadataSample(string Source, string Kind, byte[] Bytes);

/// <summary>The sizes of one item: the chunk and payload length the writer stores, and each coder's output length.</summary>
internal sealed record MetadataSizes(MetadataSample Sample, string Chunk, int Stored, int[] Coded);
