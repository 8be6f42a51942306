using Nic.Codec.Catalog;
using Nic.Format;

namespace Nic.Codec;

/// <summary>Settings of a <see cref="NicCodec"/>; with dependency injection they are validated when the host starts.</summary>
public sealed class NicCodecOptions
{
    /// <summary>The largest <see cref="BandRows"/>.</summary>
    public const int MaxBandRows = 65535;

    /// <summary>The default <see cref="MaxDecodePixels"/>: 2^26 = 67,108,864 pixels (8192 × 8192).</summary>
    public const long DefaultMaxDecodePixels = 1L << 26;

    /// <summary>The default <see cref="MaxDecodeMemoryBytes"/>: 2 GiB.</summary>
    public const long DefaultMaxDecodeMemoryBytes = 2L << 30;

    /// <summary>The model (name or family) an encode uses when it names none.</summary>
    public string DefaultModel { get; set; } = NicModelCatalog.DefaultModelName;

    /// <summary>
    /// The quality (Nic's 0–100 scale, <see cref="NicEncodeOptions.Quality"/>) of an encode that names neither a model nor a
    /// rate; null to use <see cref="DefaultRatePoint"/> or the default model as it is.
    /// </summary>
    public double? DefaultQuality { get; set; }

    /// <summary>The rate point of an encode that names neither a model nor a rate, when <see cref="DefaultQuality"/> is null; null for the model's own (or its family's middle one).</summary>
    public int? DefaultRatePoint { get; set; }

    /// <summary>Latent rows per y band: smaller bands stream with finer steps and less memory and cost about 30 bytes each.</summary>
    public int BandRows { get; set; } = 8;

    /// <summary>Whether the models shipped next to the assembly are in the catalog.</summary>
    public bool IncludeShippedModels { get; set; } = true;

    /// <summary>More directories of <c>*.nicm</c> model files.</summary>
    public IList<string> ModelDirectories { get; } = [];

    /// <summary>The most threads one encode or decode uses; null for every processor. Never changes a result.</summary>
    public int? Parallelism { get; set; }

    /// <summary>
    /// Finds better latents for the encodes whose <see cref="NicEncodeOptions.Effort"/> is above 1; null (the default)
    /// refuses such encodes with <see cref="NicCodecError.LatentOptimizerMissing"/>. Nic.Torch's <c>TorchLatentOptimizer</c> is one.
    /// </summary>
    public ILatentOptimizer? LatentOptimizer { get; set; }

    /// <summary>The limits a decoder applies to files (spec/nic-format.md §8).</summary>
    public NicReaderOptions ReaderLimits { get; set; } = NicReaderOptions.Default;

    /// <summary>
    /// The most pixels (width × height) a decode accepts; a file declaring more is refused with
    /// <see cref="NicCodecError.ResourceLimitExceeded"/> as soon as its header has been read (spec/nic-coding.md §11.7).
    /// Default <see cref="DefaultMaxDecodePixels"/>. Reading a header (<c>IdentifyAsync</c>) is not limited by it.
    /// </summary>
    public long MaxDecodePixels { get; set; } = DefaultMaxDecodePixels;

    /// <summary>
    /// The most memory one decode may take, in bytes, as estimated from the header's sizes and the model's channel counts
    /// (<see cref="NicCodec.EstimateDecodeMemory"/>): the latents, h_s, one band of synthesis and the output image. A file
    /// whose estimate is larger is refused with <see cref="NicCodecError.ResourceLimitExceeded"/> before any of it is
    /// allocated. Default <see cref="DefaultMaxDecodeMemoryBytes"/>, enough for a decode of <see cref="DefaultMaxDecodePixels"/>
    /// pixels with the shipped models.
    /// </summary>
    public long MaxDecodeMemoryBytes { get; set; } = DefaultMaxDecodeMemoryBytes;

    /// <summary>The problems with these settings; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DefaultModel))
        {
            problems.Add("DefaultModel must name a model or a family");
        }

        if (DefaultQuality is double quality && !(quality >= 0 && quality <= 100))
        {
            problems.Add($"DefaultQuality must be a number from 0 to 100, not {quality}");
        }

        if (DefaultQuality is not null && DefaultRatePoint is not null)
        {
            problems.Add("DefaultQuality and DefaultRatePoint each choose the default rate: set at most one");
        }

        if (BandRows is < 1 or > MaxBandRows)
        {
            problems.Add($"BandRows must be 1 … {MaxBandRows}, not {BandRows}");
        }

        if (Parallelism is < 1)
        {
            problems.Add($"Parallelism must be at least 1 (or null for every processor), not {Parallelism}");
        }

        if (MaxDecodePixels < 1)
        {
            problems.Add($"MaxDecodePixels must be at least 1, not {MaxDecodePixels}");
        }

        if (MaxDecodeMemoryBytes < 1)
        {
            problems.Add($"MaxDecodeMemoryBytes must be at least 1, not {MaxDecodeMemoryBytes}");
        }

        if (ReaderLimits is null)
        {
            problems.Add("ReaderLimits must be set");
        }

        foreach (string directory in ModelDirectories)
        {
            if (string.IsNullOrWhiteSpace(directory))
            {
                problems.Add("ModelDirectories holds an empty path");
            }
            else if (!Directory.Exists(directory))
            {
                problems.Add($"model directory '{directory}' does not exist");
            }
        }

        return problems;
    }
}
