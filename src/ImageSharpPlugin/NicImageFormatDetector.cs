using SixLabors.ImageSharp.Formats;

namespace Nic.ImageSharp;

/// <summary>Recognises a <c>.nic</c> file by its 8-byte signature (spec/nic-format.md §3).</summary>
public sealed class NicImageFormatDetector : IImageFormatDetector
{
    /// <inheritdoc/>
    public int HeaderSize => Nic.Format.NicConstants.Signature.Length;

    /// <summary>Tells whether <paramref name="header"/> starts with the <c>.nic</c> signature.</summary>
    /// <param name="header">The first bytes of the data.</param>
    /// <returns><see cref="NicFormat.Instance"/>, or null when the data is not <c>.nic</c>.</returns>
    public IImageFormat? DetectFormat(ReadOnlySpan<byte> header) =>
        header.Length >= HeaderSize && header[..HeaderSize].SequenceEqual(Nic.Format.NicConstants.Signature) ? NicFormat.Instance : null;
}
