using Nic.Codec.Catalog;
using Nic.Format;

namespace Nic.Codec.Pipeline;

/// <summary>Settings of a <see cref="NicCodec"/>; with dependency injection they are validated when the host starts.</summary>
public sealed class NicCodecOptions
{
    /// <summary>The largest <see cref="BandRows"/>.</summary>
    public const int MaxBandRows = 65535;

    /// <summary>The model (name or family) an encode uses when it names none.</summary>
    public string DefaultModel { get; set; } = NicModelCatalog.DefaultModelName;

    /// <summary>The rate point an encode uses when it names none; null for the model's own (or its family's middle one).</summary>
    public int? DefaultQuality { get; set; }

    /// <summary>Latent rows per y band: smaller bands stream with finer steps and less memory and cost about 30 bytes each.</summary>
    public int BandRows { get; set; } = 8;

    /// <summary>Whether the models shipped next to the assembly are in the catalog.</summary>
    public bool IncludeShippedModels { get; set; } = true;

    /// <summary>More directories of <c>*.nicm</c> model files.</summary>
    public IList<string> ModelDirectories { get; } = [];

    /// <summary>The most threads one encode or decode uses; null for every processor. Never changes a result.</summary>
    public int? Parallelism { get; set; }

    /// <summary>The limits a decoder applies to files (spec/nic-format.md §8).</summary>
    public NicReaderOptions ReaderLimits { get; set; } = NicReaderOptions.Default;

    /// <summary>The problems with these settings; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DefaultModel))
        {
            problems.Add("DefaultModel must name a model or a family");
        }

        if (BandRows is < 1 or > MaxBandRows)
        {
            problems.Add($"BandRows must be 1 … {MaxBandRows}, not {BandRows}");
        }

        if (Parallelism is < 1)
        {
            problems.Add($"Parallelism must be at least 1 (or null for every processor), not {Parallelism}");
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
