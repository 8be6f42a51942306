using Microsoft.Extensions.DependencyInjection;
using Nic.Codec.Catalog;
using Nic.Codec.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp.Tests;

/// <summary>The plugin against the real ImageSharp API, with the shipped default model.</summary>
public sealed class NicImageSharpTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-imagesharp-").FullName;

    static NicImageSharpTests() => Configuration.Default.Configure(new NicConfigurationModule());

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Rgb24RoundTripsThroughSaveAndLoadByFileName()
    {
        using Image<Rgb24> image = Photo<Rgb24>(96, 64);
        string path = Path.Combine(_directory, "photo.nic");

        image.Save(path);
        using Image loaded = Image.Load(path);

        Assert.Equal(NicFormat.Instance, loaded.Metadata.DecodedImageFormat);
        Assert.Equal((96, 64), (loaded.Width, loaded.Height));
        using Image<Rgb24> rgb = loaded.CloneAs<Rgb24>();
        Assert.True(Psnr(image, rgb) > 25, $"PSNR {Psnr(image, rgb):F2}");
        NicMetadata nic = loaded.Metadata.GetFormatMetadata(NicFormat.Instance);
        Assert.Equal(NicModelCatalog.DefaultModelName, nic.Model);
        Assert.Equal(new FileInfo(path).Length * 8.0 / (96 * 64), nic.BitsPerPixel!.Value, 9);

        RgbDirect(path, out byte[] direct);
        var bytes = new byte[96 * 64 * 3];
        rgb.CopyPixelDataTo(bytes);
        Assert.Equal(direct, bytes);
    }

    [Fact]
    public void Rgba32AndL8RoundTrip()
    {
        using Image<Rgba32> rgba = Photo<Rgba32>(70, 50);
        using var stream = new MemoryStream();
        rgba.Save(stream, new NicEncoder());
        stream.Position = 0;
        using Image<Rgba32> back = Image.Load<Rgba32>(stream);
        Assert.Equal((70, 50), (back.Width, back.Height));
        Assert.Equal(255, back[10, 10].A);

        using Image<L8> grey = Photo<L8>(40, 30);
        using var greyStream = new MemoryStream();
        grey.Save(greyStream, new NicEncoder { Quality = 4 });
        greyStream.Position = 0;
        using Image<L8> greyBack = Image.Load<L8>(greyStream);
        Assert.Equal((40, 30), (greyBack.Width, greyBack.Height));
        Assert.True(Math.Abs(grey[20, 15].PackedValue - greyBack[20, 15].PackedValue) < 40);
    }

    [Fact]
    public void IdentifyReadsTheHeaderWithoutDecodingOrTheModel()
    {
        string path = Save(Photo<Rgb24>(64, 40), "a.nic");
        var withoutModels = new NicCodec(new NicModelCatalog(includeShippedModels: false), new NicCodecOptions { IncludeShippedModels = false });
        Configuration configuration = NicImageSharpConfiguration.Create(withoutModels);

        ImageInfo info = Image.Identify(new DecoderOptions { Configuration = configuration }, path);

        Assert.Equal((64, 40), (info.Width, info.Height));
        Assert.Equal(NicModelCatalog.DefaultModelName, info.Metadata.GetFormatMetadata(NicFormat.Instance).Model);
        Assert.Equal(NicFormat.Instance, info.Metadata.DecodedImageFormat);
        InvalidImageContentException e = Assert.Throws<InvalidImageContentException>(() => Image.Load(new DecoderOptions { Configuration = configuration }, path));
        Assert.Contains("UnknownModel", e.Message);
    }

    [Fact]
    public void IccExifAndXmpRoundTripByteForByteUnlessSkipped()
    {
        using Image<Rgb24> image = Photo<Rgb24>(32, 32);
        byte[] icc = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 3))];
        byte[] exif = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0];
        byte[] xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"u8.ToArray();
        image.Metadata.IccProfile = new IccProfile(icc);
        image.Metadata.ExifProfile = new ExifProfile(exif);
        image.Metadata.XmpProfile = new XmpProfile(xmp);
        string path = Save(image, "meta.nic");

        using Image loaded = Image.Load(path);
        Assert.Equal(icc, loaded.Metadata.IccProfile!.ToByteArray());
        Assert.Equal(exif, loaded.Metadata.ExifProfile!.ToByteArray());
        Assert.Equal(xmp, loaded.Metadata.XmpProfile!.ToByteArray());

        using Image skipped = Image.Load(new DecoderOptions { SkipMetadata = true }, path);
        Assert.Null(skipped.Metadata.IccProfile);
        Assert.Null(skipped.Metadata.XmpProfile);
    }

    [Fact]
    public void TheFormatIsDetectedFromAStreamWithoutAFileName()
    {
        string path = Save(Photo<Rgb24>(48, 48), "x.nic");
        using var stream = new MemoryStream(File.ReadAllBytes(path));

        Assert.Equal(NicFormat.Instance, Image.DetectFormat(stream));
        stream.Position = 0;
        using Image image = Image.Load(stream);
        Assert.Equal(48, image.Width);
    }

    [Fact]
    public void TargetSizeShrinksTheDecodedImage()
    {
        string path = Save(Photo<Rgb24>(128, 64), "big.nic");

        using Image image = Image.Load(new DecoderOptions { TargetSize = new Size(32, 32) }, path);

        Assert.Equal((32, 16), (image.Width, image.Height));
    }

    [Fact]
    public void CorruptDataIsInvalidContentWithTheNicCodeAndOtherDataIsUnknown()
    {
        byte[] file = File.ReadAllBytes(Save(Photo<Rgb24>(32, 32), "c.nic"));
        file[^30] ^= 0x10;

        InvalidImageContentException e = Assert.Throws<InvalidImageContentException>(() => Image.Load(file));
        Assert.Contains("BadChecksum", e.Message);
        Assert.IsAssignableFrom<Nic.Format.NicException>(e.InnerException);
        Assert.Throws<UnknownImageFormatException>(() => Image.Load([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        Assert.Throws<UnknownImageFormatException>(() => NicDecoder.Instance.Decode(new DecoderOptions(), new MemoryStream(new byte[64])));
    }

    [Fact]
    public void DependencyInjectionGivesAConfigurationThatUsesTheContainersCodec()
    {
        var services = new ServiceCollection();
        services.AddNeuralImageCodec(options => options.BandRows = 1).AddImageSharp();
        using ServiceProvider provider = services.BuildServiceProvider();
        Configuration configuration = provider.GetRequiredService<Configuration>();
        using Image<Rgb24> image = Photo<Rgb24>(64, 80);
        string path = Path.Combine(_directory, "di.nic");

        image.Save(path, configuration.ImageFormatsManager.GetEncoder(NicFormat.Instance));
        using Image loaded = Image.Load(new DecoderOptions { Configuration = configuration }, path);

        Assert.Equal((64, 80), (loaded.Width, loaded.Height));
        Assert.Equal(8, Nic.Format.NicFile.Read(File.ReadAllBytes(path)).Header.BandCount);
        Assert.NotSame(Configuration.Default.ImageFormatsManager, configuration.ImageFormatsManager);
        Assert.NotSame(Configuration.Default.ImageFormatsManager.GetEncoder(NicFormat.Instance), configuration.ImageFormatsManager.GetEncoder(NicFormat.Instance));
    }

    private string Save(Image image, string name)
    {
        string path = Path.Combine(_directory, name);
        image.Save(path);
        return path;
    }

    private static void RgbDirect(string path, out byte[] pixels) =>
        pixels = new NicCodec().DecodeFileAsync(path).GetAwaiter().GetResult().Pixels;

    private static Image<TPixel> Photo<TPixel>(int width, int height)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)(128 + (40 * Math.Sin(x * 0.2))));
            }
        }

        Image<TPixel> converted = image.CloneAs<TPixel>();
        image.Dispose();
        return converted;
    }

    private static double Psnr(Image<Rgb24> a, Image<Rgb24> b)
    {
        double sum = 0;
        for (int y = 0; y < a.Height; y++)
        {
            for (int x = 0; x < a.Width; x++)
            {
                Rgb24 p = a[x, y], q = b[x, y];
                sum += ((p.R - q.R) * (p.R - q.R)) + ((p.G - q.G) * (p.G - q.G)) + ((p.B - q.B) * (p.B - q.B));
            }
        }

        double mse = sum / (3.0 * a.Width * a.Height);
        return 10 * Math.Log10(255 * 255 / Math.Max(mse, 1e-12));
    }
}
