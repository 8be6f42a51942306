using SixLabors.ImageSharp.Formats;

namespace Nic.ImageSharp;

/// <summary>The <c>.nic</c> learned-image format as ImageSharp sees it: name, MIME types, extension and its metadata.</summary>
public sealed class NicFormat : IImageFormat<NicFormatMetadata>
{
    private NicFormat()
    {
    }

    /// <summary>The one instance.</summary>
    public static NicFormat Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => NicImageSharpConstants.FormatName;

    /// <inheritdoc/>
    public string DefaultMimeType => NicImageSharpConstants.MimeTypes[0];

    /// <inheritdoc/>
    public IEnumerable<string> MimeTypes => NicImageSharpConstants.MimeTypes;

    /// <inheritdoc/>
    public IEnumerable<string> FileExtensions => NicImageSharpConstants.FileExtensions;

    /// <inheritdoc/>
    public NicFormatMetadata CreateDefaultFormatMetadata() => new();
}
