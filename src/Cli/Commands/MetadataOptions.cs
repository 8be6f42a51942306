using System.CommandLine;
using Nic.Codec;
using Nic.Format;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>--strip</c>, <c>--keep</c> and <c>--uncompressed-metadata</c> of the commands that encode (<c>encode</c>,
/// <c>batch encode</c>): which of the input's ICC profile, EXIF and XMP the file carries, as cwebp's <c>-metadata</c>
/// chooses, and whether they may be stored compressed (spec/nic-format.md §5.4). The default keeps every item, compressed
/// where that is smaller.
/// </summary>
internal sealed class MetadataOptions
{
    /// <summary>The item names <c>--keep</c> accepts, besides <c>all</c> and <c>none</c>.</summary>
    private static readonly (string Name, NicMetadataItems Item)[] Names =
        [("icc", NicMetadataItems.IccProfile), ("exif", NicMetadataItems.Exif), ("xmp", NicMetadataItems.Xmp)];

    public Option<bool> Strip { get; } = new("--strip")
    {
        Description = "Leave the input's ICC profile, EXIF and XMP out of the file (the same as --keep none).",
    };

    public Option<string?> Keep { get; } = new("--keep")
    {
        Description = "The metadata to carry: a comma-separated list of icc, exif and xmp, or all (the default) or none.",
        HelpName = "icc,exif,xmp",
    };

    public Option<bool> Uncompressed { get; } = new("--uncompressed-metadata")
    {
        Description = "Store the metadata uncompressed (format 1.0 chunks), so that readers of format 1.0 also return it; by default each item is Brotli-compressed where that is smaller (format 1.1).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Strip);
        command.Options.Add(Keep);
        command.Options.Add(Uncompressed);
    }

    /// <summary>Sets <see cref="NicEncodeOptions.KeepMetadata"/> and <see cref="NicEncodeOptions.CompressMetadata"/> from the flags.</summary>
    /// <exception cref="ArgumentException">--strip with --keep, or a --keep value that names no item; the message names the flag.</exception>
    public NicEncodeOptions Apply(ParseResult result, NicEncodeOptions options)
    {
        string? keep = result.GetValue(Keep);
        if (result.GetValue(Strip) && keep is not null)
        {
            throw new ArgumentException("--strip and --keep both choose the metadata: give one of them");
        }

        NicMetadataItems items = result.GetValue(Strip) ? NicMetadataItems.None : keep is null ? NicMetadataItems.All : Parse(keep);
        return options with { KeepMetadata = items, CompressMetadata = !result.GetValue(Uncompressed) };
    }

    /// <summary>The items of a <c>--keep</c> value: names separated by commas, case-insensitive.</summary>
    /// <exception cref="ArgumentException">An unknown name, or <c>all</c>/<c>none</c> with other names.</exception>
    internal static NicMetadataItems Parse(string value)
    {
        string[] parts = [.. value.Split(',', StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant())];
        if (parts is ["all"])
        {
            return NicMetadataItems.All;
        }

        if (parts is ["none"])
        {
            return NicMetadataItems.None;
        }

        NicMetadataItems items = NicMetadataItems.None;
        foreach (string part in parts)
        {
            (string Name, NicMetadataItems Item) match = Array.Find(Names, n => n.Name == part);
            if (match.Name is null)
            {
                throw new ArgumentException($"--keep '{value}': '{part}' is not one of icc, exif, xmp (or all or none on its own)");
            }

            items |= match.Item;
        }

        return items;
    }

    /// <summary>The names of <paramref name="items"/> in the order icc, exif, xmp.</summary>
    internal static IReadOnlyList<string> NamesOf(NicMetadataItems items) =>
        [.. Names.Where(n => (items & n.Item) != 0).Select(n => n.Name)];
}
