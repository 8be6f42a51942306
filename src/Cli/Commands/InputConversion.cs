using System.Globalization;
using Nic.Cli.Imaging;

namespace Nic.Cli.Commands;

/// <summary>
/// The rule for inputs a Nic file cannot represent (it stores 8-bit RGB): nothing is converted silently. An alpha
/// channel that is opaque everywhere is dropped with a note (nothing is lost); one with translucent pixels is refused
/// unless <c>--drop-alpha</c>, and then dropped with a warning; samples of more than 8 bits are reduced with a
/// warning; grey is encoded as RGB with a note.
/// </summary>
internal static class InputConversion
{
    /// <summary>The notes and warnings for <paramref name="source"/>, each one line for standard error.</summary>
    /// <exception cref="ArgumentException">The image has translucent pixels and <paramref name="dropAlpha"/> is false.</exception>
    public static List<string> Check(ImageSource source, string name, bool dropAlpha)
    {
        var lines = new List<string>();
        if (source.HasAlpha)
        {
            if (source.TranslucentPixels == 0)
            {
                lines.Add($"note: {name}: the alpha channel is opaque everywhere; it is dropped (Nic stores RGB)");
            }
            else if (!dropAlpha)
            {
                throw new ArgumentException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name} has an alpha channel with {source.TranslucentPixels:N0} translucent pixels, and Nic stores RGB only; pass --drop-alpha to encode the colour without the alpha"));
            }
            else
            {
                lines.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"warning: {name}: the alpha channel is dropped (--drop-alpha); {source.TranslucentPixels:N0} translucent pixels keep their stored colour, not composited"));
            }
        }

        if (source.BitsPerSample > 8)
        {
            lines.Add(source.BitsPerSample == 32
                ? $"warning: {name}: the floating-point samples are tone-mapped to 8 bits (Nic stores 8-bit RGB)"
                : $"warning: {name}: the {source.BitsPerSample}-bit samples are reduced to 8 bits (Nic stores 8-bit RGB)");
        }

        if (source.IsGrey)
        {
            lines.Add($"note: {name}: the image is greyscale; it is encoded as RGB (R = G = B)");
        }

        return lines;
    }
}
