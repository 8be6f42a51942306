using Nic.Codec.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Nic.Service.Tests;

/// <summary>Test images: samples/seeding.png and crops of it, as PNG bytes and as the RGB pixels they hold.</summary>
internal static class Images
{
    public static readonly string SeedingPath = Path.Combine(AppContext.BaseDirectory, "seeding.png");

    public static byte[] Seeding() => File.ReadAllBytes(SeedingPath);

    /// <summary>A crop of seeding.png as PNG bytes.</summary>
    public static byte[] CropPng(int x, int y, int width, int height)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(SeedingPath);
        image.Mutate(c => c.Crop(new Rectangle(x, y, width, height)));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>A crop of seeding.png as JPEG bytes.</summary>
    public static byte[] CropJpeg(int x, int y, int width, int height)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(SeedingPath);
        image.Mutate(c => c.Crop(new Rectangle(x, y, width, height)));
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    /// <summary>The pixels of a PNG (or any format ImageSharp reads).</summary>
    public static RgbImage Pixels(byte[] encoded)
    {
        using Image<Rgb24> image = Image.Load<Rgb24>(encoded);
        var rgb = new RgbImage(image.Width, image.Height);
        image.CopyPixelDataTo(rgb.Pixels);
        return rgb;
    }
}
