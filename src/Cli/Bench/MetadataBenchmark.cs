using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using Nic.Cli.Imaging;
using Nic.Format;

namespace Nic.Cli.Bench;

/// <summary>
/// <c>nic bench metadata</c>: what ICC profiles, EXIF blocks and XMP packets cost in a <c>.nic</c> file
/// (spec/nic-format.md §5.4) and what the BCL's lossless coders would make of them: the raw size, the payload the
/// writer stores (a compressed chunk where that is smaller, else the raw one), Brotli at qualities 11, 9 and 5 (with the
/// writer's window, the smallest that spans the item) and
/// ZLib (Deflate with its 6-byte frame) at levels 9 and 6.
/// </summary>
internal static class MetadataBenchmark
{
    /// <summary>The timed compressions of each item with each coder; the median is reported.</summary>
    public const int Runs = 3;

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

    /// <summary>
    /// The sizes of one item: raw, as the writer stores it, and with each of <see cref="Coders"/>; and the median time of
    /// <see cref="Runs"/> compressions with each coder.
    /// </summary>
    public static MetadataSizes Measure(MetadataSample sample)
    {
        const int runs = Runs;
        (NicChunkType chunk, int stored) = StoredByWriter(sample);
        var sizes = new int[Coders.Length];
        var milliseconds = new double[Coders.Length];
        for (int i = 0; i < Coders.Length; i++)
        {
            var times = new double[runs];
            for (int run = 0; run < runs; run++)
            {
                long start = Stopwatch.GetTimestamp();
                sizes[i] = Coders[i].Size(sample.Bytes);
                times[run] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            Array.Sort(times);
            milliseconds[i] = times[runs / 2];
        }

        return new MetadataSizes(sample, chunk.ToString(), stored, sizes, milliseconds);
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
        // The window the writer uses: the smallest that spans the item (2^10 … 2^24 bytes).
        int window = Math.Clamp(32 - System.Numerics.BitOperations.LeadingZeroCount((uint)item.Length - 1), 10, 24);
        return BrotliEncoder.TryCompress(item, buffer, out int written, quality, window) ? written : throw new InvalidOperationException("Brotli failed");
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

/// <summary>The sizes of one item (the chunk and payload length the writer stores, each coder's output length) and each coder's median compression time.</summary>
internal sealed record MetadataSizes(MetadataSample Sample, string Chunk, int Stored, int[] Coded, double[] CompressMilliseconds);
