using Nic.Codec.Imaging;
using StbImageSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// The training or validation photographs (docs/data.md) decoded to 8-bit RGB and kept in memory at each of a few
/// integer downscale factors. The sources are JPEG wallpapers: averaging f × f blocks hides their compression artefacts
/// and gives the models photographs at several scales.
/// </summary>
public sealed class PhotoSet
{
    /// <summary>The downscale factors used when none are given: 2, 3 and 4 (docs/data.md).</summary>
    public static readonly IReadOnlyList<int> DefaultFactors = [2, 3, 4];

    private PhotoSet(IReadOnlyList<Photo> photos) => Photos = photos;

    /// <summary>Every photograph at every factor, in file-name order, then factor order.</summary>
    public IReadOnlyList<Photo> Photos { get; }

    /// <summary>
    /// Decodes every <c>*.jpg</c>, <c>*.jpeg</c> and <c>*.png</c> in <paramref name="directory"/> (not recursively) and
    /// downscales each by every factor in <paramref name="factors"/>.
    /// </summary>
    /// <param name="directory">A folder of photographs, e.g. <c>data/photos/train</c>.</param>
    /// <param name="factors">Downscale factors ≥ 1; null for <see cref="DefaultFactors"/>.</param>
    /// <param name="minimumSide">Downscaled photos smaller than this on either side are left out.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A file does not decode, or no photograph is left.</exception>
    public static PhotoSet Load(string directory, IReadOnlyList<int>? factors = null, int minimumSide = 64)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        factors ??= DefaultFactors;
        if (factors.Count == 0 || factors.Any(f => f < 1))
        {
            throw new ArgumentException("the downscale factors must be at least 1", nameof(factors));
        }

        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"no photo folder {directory} (run scripts/fetch-data.sh)");
        }

        string[] files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var decoded = new (string Name, ImageResult? Image, string? Error)[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            try
            {
                using var stream = File.OpenRead(files[i]);
                decoded[i] = (Path.GetFileName(files[i]), ImageResult.FromStream(stream, ColorComponents.RedGreenBlue), null);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException or IOException)
            {
                decoded[i] = (Path.GetFileName(files[i]), null, e.Message);
            }
        });

        if (Array.FindIndex(decoded, d => d.Error is not null) is int bad and >= 0)
        {
            throw new InvalidDataException($"{files[bad]} does not decode as an image: {decoded[bad].Error}");
        }

        var photos = new List<Photo>();
        foreach ((string name, ImageResult? result, _) in decoded)
        {
            ImageResult image = result!;
            foreach (int factor in factors)
            {
                int width = image.Width / factor, height = image.Height / factor;
                if (width >= minimumSide && height >= minimumSide)
                {
                    photos.Add(new Photo(name, factor, width, height, ImageResampling.BoxDownscale(new RgbImage(image.Width, image.Height, image.Data), factor).Pixels));
                }
            }
        }

        if (photos.Count == 0)
        {
            throw new InvalidDataException($"no photograph of at least {minimumSide}×{minimumSide} pixels after downscaling in {directory}");
        }

        return new PhotoSet(photos);
    }

    /// <summary>
    /// One centre crop of <paramref name="size"/> × <paramref name="size"/> from every photo large enough, as a tensor
    /// (count, 3, size, size) in [0, 1]: a fixed validation batch.
    /// </summary>
    /// <exception cref="InvalidOperationException">No photo is that large.</exception>
    public Tensor CentreCrops(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Photo[] large = Photos.Where(p => p.Width >= size && p.Height >= size).ToArray();
        if (large.Length == 0)
        {
            throw new InvalidOperationException($"no photo is at least {size}×{size}");
        }

        float[] values = new float[large.Length * 3 * size * size];
        for (int i = 0; i < large.Length; i++)
        {
            Photo photo = large[i];
            large[i].CopyCrop((photo.Width - size) / 2, (photo.Height - size) / 2, size, flip: false, values.AsSpan(i * 3 * size * size, 3 * size * size));
        }

        return tensor(values, [large.Length, 3, size, size]);
    }
}

/// <summary>One photograph at one downscale factor: interleaved 8-bit RGB, row-major.</summary>
/// <param name="Name">The source file's name.</param>
/// <param name="Factor">The downscale factor.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Rgb">Width × height × 3 bytes.</param>
public sealed record Photo(string Name, int Factor, int Width, int Height, byte[] Rgb)
{
    /// <summary>
    /// Writes the <paramref name="size"/> × <paramref name="size"/> crop at (<paramref name="left"/>, <paramref name="top"/>),
    /// mirrored left–right when <paramref name="flip"/>, into <paramref name="destination"/> as planar RGB in [0, 1].
    /// </summary>
    public void CopyCrop(int left, int top, int size, bool flip, Span<float> destination) =>
        CopyRectangle(left, top, size, size, flip, destination);

    /// <summary>
    /// Writes the <paramref name="width"/> × <paramref name="height"/> crop at (<paramref name="left"/>, <paramref name="top"/>),
    /// mirrored left–right when <paramref name="flip"/>, into <paramref name="destination"/> as planar RGB in [0, 1].
    /// </summary>
    public void CopyRectangle(int left, int top, int width, int height, bool flip, Span<float> destination)
    {
        if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > Width || top + height > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"a {width}×{height} crop at ({left}, {top}) does not fit in {Width}×{Height}");
        }

        int plane = width * height;
        if (destination.Length < 3 * plane)
        {
            throw new ArgumentException("the destination is too small", nameof(destination));
        }

        for (int y = 0; y < height; y++)
        {
            int row = (((top + y) * Width) + left) * 3;
            for (int x = 0; x < width; x++)
            {
                int source = row + ((flip ? width - 1 - x : x) * 3);
                int at = (y * width) + x;
                destination[at] = Rgb[source] / 255f;
                destination[plane + at] = Rgb[source + 1] / 255f;
                destination[(2 * plane) + at] = Rgb[source + 2] / 255f;
            }
        }
    }
}
