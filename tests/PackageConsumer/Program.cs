// A new application that uses Nic from its packages alone (scripts/package-consumer-test.sh builds and runs it): it
// lists the models the catalog finds with no configuration, makes a PNG with ImageSharp, encodes it with NicCodec,
// decodes it, loads the .nic file through the ImageSharp plugin and checks that both decodes give the same pixels.
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec;
using Nic.ImageSharp;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

string directory = args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("nic-consumer-").FullName;

var catalog = new NicModelCatalog();
Console.WriteLine($"models: {catalog.Models.Count} in {catalog.Directories[0]}");
foreach (NicModelEntry model in catalog.Models)
{
    Console.WriteLine($"  {model.Name} (family {model.Family}, rate point {model.RatePoint})");
}

if (catalog.Models.Count == 0 || catalog.Models.All(m => m.Name != NicModelCatalog.DefaultModelName))
{
    Console.Error.WriteLine($"error: the default model {NicModelCatalog.DefaultModelName} was not found");
    return 1;
}

// A PNG, as an application would have one.
string png = Path.Combine(directory, "input.png");
using (var picture = new Image<Rgb24>(160, 96))
{
    for (int y = 0; y < picture.Height; y++)
    {
        for (int x = 0; x < picture.Width; x++)
        {
            picture[x, y] = new Rgb24((byte)(x * 255 / picture.Width), (byte)(y * 255 / picture.Height), (byte)(128 + (64 * Math.Sin((x + y) / 9.0))));
        }
    }

    picture.SaveAsPng(png);
}

// Encode and decode it with the codec.
using Image<Rgb24> source = Image.Load<Rgb24>(png);
var rgb = new RgbImage(source.Width, source.Height);
source.CopyPixelDataTo(rgb.Pixels);
var codec = new NicCodec();
string nic = Path.Combine(directory, "output.nic");
NicEncodeResult encoded = await codec.EncodeFileAsync(rgb, nic);
RgbImage decoded = await codec.DecodeFileAsync(nic);
double psnr = Psnr(rgb.Pixels, decoded.Pixels);
Console.WriteLine($"encoded {png} into {encoded.Bytes} bytes ({encoded.BitsPerPixel:F3} bpp); decoded {decoded.Width}×{decoded.Height}, PSNR {psnr:F2} dB");

// The same file through the ImageSharp plugin.
Configuration.Default.Configure(new NicConfigurationModule());
using Image<Rgb24> loaded = Image.Load<Rgb24>(nic);
var plugin = new byte[loaded.Width * loaded.Height * 3];
loaded.CopyPixelDataTo(plugin);
bool same = plugin.AsSpan().SequenceEqual(decoded.Pixels);
Console.WriteLine($"Image.Load(\"{Path.GetFileName(nic)}\"): {loaded.Width}×{loaded.Height}, pixels {(same ? "identical to" : "DIFFERENT from")} NicCodec's decode");

if (!same || psnr < 25 || decoded.Width != rgb.Width || decoded.Height != rgb.Height)
{
    Console.Error.WriteLine("error: the round trip is wrong");
    return 1;
}

Console.WriteLine("consumer: ok");
return 0;

static double Psnr(byte[] a, byte[] b)
{
    double sum = 0;
    for (int i = 0; i < a.Length; i++)
    {
        double d = a[i] - b[i];
        sum += d * d;
    }

    return 10 * Math.Log10(255.0 * 255.0 / (sum / a.Length));
}
