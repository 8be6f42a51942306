using Nic.Codec.Imaging;

namespace Nic.Cli.Imaging;

/// <summary>A decoded image file: its pixels as 8-bit RGB with its metadata, and what the file held before that conversion.</summary>
/// <param name="Image">The pixels (alpha dropped, grey replicated to R = G = B, samples reduced to 8 bits) and metadata.</param>
/// <param name="Source">What the file held.</param>
internal sealed record ImageFileContent(RgbImage Image, ImageSource Source);
