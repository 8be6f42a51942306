namespace Nic.Codec.Models;

/// <summary>The <c>__metadata__</c> keys of a Nic model file and their fixed values (spec/nic-model.md §3).</summary>
internal static class ModelMetadataKeys
{
    internal const string Format = "format";
    internal const string FormatVersion = "format_version";
    internal const string Architecture = "architecture";
    internal const string Name = "name";
    internal const string N = "N";
    internal const string M = "M";
    internal const string LatentDimensions = "latent_dims";
    internal const string ContextSlices = "context_slices";
    internal const string ContextHidden = "context_hidden";
    internal const string ContextKernel = "context_kernel";
    internal const string ContextCheckerboard = "context_checkerboard";

    /// <summary>The count keys that may be absent, reading as 0 (spec/nic-model.md §3).</summary>
    internal static readonly IReadOnlySet<string> OptionalCounts = new HashSet<string>(StringComparer.Ordinal) { ContextCheckerboard };
    internal const string Lambda = "lambda";
    internal const string RatePoint = "rate_point";
    internal const string Distortion = "distortion";
    internal const string Training = "training";
    internal const string Description = "description";

    internal const string Family = "family";

    /// <summary>The value of <see cref="Format"/>.</summary>
    internal const string FormatValue = "nic-model";

    /// <summary>The value of <see cref="FormatVersion"/> this reader understands.</summary>
    internal const string FormatVersionValue = "1";

    /// <summary>The value of <see cref="FormatVersion"/> of a variable-rate file (spec/nic-model.md §11).</summary>
    internal const string FamilyFormatVersionValue = "2";

    /// <summary>A variable-rate file's trained points (§11.1): a JSON array of {name, sha256, metadata}.</summary>
    internal const string RatePoints = "rate_points";

    /// <summary>Written into a model interpolated from a variable-rate file: its rate position (§11.3), informative.</summary>
    internal const string RatePosition = "rate_position";
}
