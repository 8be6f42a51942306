using System.Diagnostics.CodeAnalysis;
using SixLabors.ImageSharp.Formats;

namespace Nic.ImageSharp;

/// <summary>Recognises a <c>.nic</c> file by its 8-byte signature (spec/nic-format.md §3).</summary>
public sealed class NicImageFormatDetector : IImageFormatDetector
{
    /// <inheritdoc/>
    public int HeaderSize => Nic.Format.NicConstants.Signature.Length;

    /// <inheritdoc/>
    public bool TryDetectFormat(ReadOnlySpan<byte> header, [NotNullWhen(true)] out IImageFormat? format)
    {
        format = header.Length >= HeaderSize && header[..HeaderSize].SequenceEqual(Nic.Format.NicConstants.Signature) ? NicFormat.Instance : null;
        return format is not null;
    }
}
