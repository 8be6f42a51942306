using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;
using StbImageWriteSharp;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// The command-line conventions of <c>nic</c>: <c>-</c> for standard input and output, the output format chosen by
/// the extension, loud conversions of inputs Nic cannot represent, <c>--json</c> and examples in <c>--help</c>.
/// </summary>
public sealed class CliConventionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nic-cli-conventions-").FullName;
    private readonly string _models;
    private readonly string _modelName;

    public CliConventionTests()
    {
        _models = Directory.CreateDirectory(Path.Combine(_directory, "models")).FullName;
        byte[] model = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 5);
        File.WriteAllBytes(Path.Combine(_models, "small.nicm"), model);
        _modelName = NicModelFile.Load(model).Name;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [LinuxFact]
    public async Task EncodeAndDecodeThroughPipesGiveTheFileBasedResultByteForByte()
    {
        string input = Path.Combine(_directory, "in.png");
        ImageFiles.WritePng(input, TestImageFiles.Pattern(70, 50));
        string nic = Path.Combine(_directory, "file.nic");
        string png = Path.Combine(_directory, "file.png");
        Assert.Equal(0, Run("encode", input, "-o", nic).ExitCode);
        Assert.Equal(0, Run("decode", nic, "-o", png).ExitCode);

        // cat in.png | nic encode - -o - | nic decode - -o piped.png, with the two processes joined by a pipe.
        string piped = Path.Combine(_directory, "piped.png");
        using Process encode = NicChildProcess.Start(true, _directory, "encode", "-", "-o", "-", "--models", _models, "--model", _modelName);
        using Process decode = NicChildProcess.Start(true, _directory, "decode", "-", "-o", piped, "--models", _models);
        Task<string> encodeError = encode.StandardError.ReadToEndAsync();
        Task<string> decodeError = decode.StandardError.ReadToEndAsync();
        Task<string> decodeOutput = decode.StandardOutput.ReadToEndAsync();
        var encoded = new MemoryStream();
        Task join = Task.Run(async () =>
        {
            byte[] buffer = new byte[4096];
            int read;
            while ((read = await encode.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
            {
                encoded.Write(buffer, 0, read);
                await decode.StandardInput.BaseStream.WriteAsync(buffer.AsMemory(0, read));
            }

            decode.StandardInput.Close();
        });
        await encode.StandardInput.BaseStream.WriteAsync(await File.ReadAllBytesAsync(input));
        encode.StandardInput.Close();
        await join;
        await encode.WaitForExitAsync();
        await decode.WaitForExitAsync();

        Assert.True(encode.ExitCode == 0, await encodeError);
        Assert.True(decode.ExitCode == 0, await decodeError);
        Assert.Equal(await File.ReadAllBytesAsync(nic), encoded.ToArray());
        Assert.Equal(await File.ReadAllBytesAsync(png), await File.ReadAllBytesAsync(piped));

        // With standard output carrying the file, the result line is on standard error; no file named - exists.
        Assert.StartsWith("-: 70×50", await encodeError, StringComparison.Ordinal);
        Assert.StartsWith($"{piped}: 70×50", await decodeOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "-")));

        // decode - -o - writes the PNG itself to standard output; info - reads standard input.
        (int code, byte[] stdout, string stderr) = await RunChildAsync(await File.ReadAllBytesAsync(nic), "decode", "-", "-o", "-", "--models", _models);
        Assert.True(code == 0, stderr);
        Assert.Equal(await File.ReadAllBytesAsync(png), stdout);
        (code, stdout, stderr) = await RunChildAsync(await File.ReadAllBytesAsync(nic), "info", "-", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument info = JsonDocument.Parse(stdout);
        Assert.Equal("-", info.RootElement.GetProperty("file").GetString());
        Assert.Equal(70, info.RootElement.GetProperty("width").GetInt32());
        Assert.False(File.Exists(Path.Combine(_directory, "-")));
    }

    [Fact]
    public void DecodeWritesPpmAndBmpByTheExtensionWithThePixelsOfThePng()
    {
        string nic = EncodePattern();
        string png = Path.Combine(_directory, "out.png");
        string ppm = Path.Combine(_directory, "out.ppm");
        string bmp = Path.Combine(_directory, "out.BMP");
        Assert.Equal(0, Run("decode", nic, "-o", png).ExitCode);
        Assert.Equal(0, Run("decode", nic, "-o", ppm).ExitCode);
        Assert.Equal(0, Run("decode", nic, "-o", bmp).ExitCode);
        RgbImage expected = ImageFiles.Read(png);

        byte[] ppmBytes = File.ReadAllBytes(ppm);
        byte[] header = Encoding.ASCII.GetBytes("P6\n70 50\n255\n");
        Assert.Equal(header, ppmBytes[..header.Length]);
        Assert.Equal(expected.Pixels, ppmBytes[header.Length..]);

        byte[] bmpBytes = File.ReadAllBytes(bmp);
        Assert.Equal("BM"u8.ToArray(), bmpBytes[..2]);
        Assert.True(expected.PixelsEqual(ImageFiles.Read(bmp)));

        // --format for a name without extension; a contradicting --format is refused.
        string plain = Path.Combine(_directory, "plain");
        Assert.Equal(0, Run("decode", nic, "-o", plain, "--format", "ppm").ExitCode);
        Assert.Equal(ppmBytes, File.ReadAllBytes(plain));
        var contradiction = Run("decode", nic, "-o", Path.Combine(_directory, "x.png"), "--format", "bmp");
        Assert.Equal(1, contradiction.ExitCode);
        Assert.Contains("--format bmp contradicts", contradiction.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("out.jpg", "decode does not write .jpg files")]
    [InlineData("out.pgm", "PGM holds grey only")]
    public void AnExtensionDecodeCannotWriteExitsWithOneBeforeDecoding(string name, string why)
    {
        // The input is not a .nic file at all: exit 1 (not the 2 of damaged input) shows the output was refused first.
        string damaged = Path.Combine(_directory, "damaged.nic");
        File.WriteAllBytes(damaged, [1, 2, 3]);
        string output = Path.Combine(_directory, name);
        var run = Run("decode", damaged, "-o", output);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(why, run.Error, StringComparison.Ordinal);
        Assert.Contains("write .png, .ppm or .bmp", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "out*"));
    }

    [Fact]
    public void AnRgbaImageWithTranslucentPixelsIsRefusedUnlessDropAlpha()
    {
        string input = Path.Combine(_directory, "rgba.png");
        File.WriteAllBytes(input, Rgba(40, 30, translucent: true));
        string nic = Path.Combine(_directory, "rgba.nic");

        var refused = Run("encode", input, "-o", nic);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("has an alpha channel with 600 translucent pixels", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--drop-alpha", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(nic));

        var dropped = Run("encode", input, "-o", nic, "--drop-alpha", "--json");
        Assert.Equal(0, dropped.ExitCode);
        Assert.Contains("warning: ", dropped.Error, StringComparison.Ordinal);
        Assert.Contains("the alpha channel is dropped (--drop-alpha); 600 translucent pixels", dropped.Error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(dropped.Output);
        JsonElement source = json.RootElement.GetProperty("input");
        Assert.Equal(4, source.GetProperty("channels").GetInt32());
        Assert.Equal(600, source.GetProperty("translucent_pixels").GetInt64());
        Assert.Single(json.RootElement.GetProperty("warnings").EnumerateArray());

        // An alpha channel that is opaque everywhere loses nothing: it is dropped with a note, without --drop-alpha.
        File.WriteAllBytes(input, Rgba(40, 30, translucent: false));
        var opaque = Run("encode", input, "-o", nic);
        Assert.Equal(0, opaque.ExitCode);
        Assert.Contains("note: ", opaque.Error, StringComparison.Ordinal);
        Assert.Contains("the alpha channel is opaque everywhere; it is dropped", opaque.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A16BitPngIsReducedWithAWarning()
    {
        string input = Path.Combine(_directory, "deep.png");
        File.WriteAllBytes(input, Png16(24, 16));
        RgbImage read = ImageFiles.Read(input);
        Assert.Equal(new byte[] { 0x12, 0x00, 0xAB }, read.Pixels[..3]);

        var run = Run("encode", input, "-o", Path.Combine(_directory, "deep.nic"), "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("the 16-bit samples are reduced to 8 bits", run.Error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(16, json.RootElement.GetProperty("input").GetProperty("bits_per_sample").GetInt32());
        Assert.Equal("png", json.RootElement.GetProperty("input").GetProperty("format").GetString());
    }

    [Fact]
    public void AGreyPngIsEncodedAsRgbWithANote()
    {
        string input = Path.Combine(_directory, "grey.png");
        byte[] grey = [.. Enumerable.Range(0, 32 * 20).Select(i => (byte)(i * 7))];
        using (var stream = File.Create(input))
        {
            new ImageWriter().WritePng(grey, 32, 20, ColorComponents.Grey, stream);
        }

        var run = Run("encode", input, "-o", Path.Combine(_directory, "grey.nic"), "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("note: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("the image is greyscale; it is encoded as RGB (R = G = B)", run.Error, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal(1, json.RootElement.GetProperty("input").GetProperty("channels").GetInt32());

        // An 8-bit RGB file gets no note at all.
        string rgb = Path.Combine(_directory, "rgb.png");
        ImageFiles.WritePng(rgb, TestImageFiles.Pattern(32, 20));
        var quiet = Run("encode", rgb, "-o", Path.Combine(_directory, "rgb.nic"));
        Assert.Equal(0, quiet.ExitCode);
        Assert.Empty(quiet.Error);
    }

    [Fact]
    public void DecodeJsonHasItsSchema()
    {
        string nic = EncodePattern();
        string png = Path.Combine(_directory, "out.png");
        var run = Run("decode", nic, "-o", png, "--json");
        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(
            ["input", "output", "format", "width", "height", "model", "rate_point", "bpp", "bytes", "decode_s", "backend", "warnings"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(nic, root.GetProperty("input").GetString());
        Assert.Equal(png, root.GetProperty("output").GetString());
        Assert.Equal("png", root.GetProperty("format").GetString());
        Assert.Equal(70, root.GetProperty("width").GetInt32());
        Assert.Equal(50, root.GetProperty("height").GetInt32());
        Assert.Equal(_modelName, root.GetProperty("model").GetString());
        Assert.Equal(new FileInfo(nic).Length * 8.0 / (70 * 50), root.GetProperty("bpp").GetDouble(), 9);
        Assert.Equal(new FileInfo(png).Length, root.GetProperty("bytes").GetInt64());
        Assert.True(root.GetProperty("decode_s").GetDouble() > 0);
        Assert.Equal("managed-winograd", root.GetProperty("backend").GetString()); // the default arithmetic
        Assert.Equal(0, root.GetProperty("warnings").GetArrayLength());
    }

    [Fact]
    public void DecodeWarnsThatPpmCannotCarryTheMetadata()
    {
        string input = Path.Combine(_directory, "meta.png");
        RgbImage image = TestImageFiles.Pattern(40, 30);
        image.Metadata = TestImageFiles.Metadata();
        ImageFiles.WritePng(input, image);
        string nic = Path.Combine(_directory, "meta.nic");
        Assert.Equal(0, Run("encode", input, "-o", nic).ExitCode);
        var run = Run("decode", nic, "-o", Path.Combine(_directory, "meta.ppm"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("warning: PPM has no place for the file's ICC profile, EXIF or XMP", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelsReportsTheValidationFiguresOfTheShippedModels()
    {
        var run = CliRunner.Run("models", "--json");
        Assert.Equal(0, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] shipped = [.. json.RootElement.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("source").GetString() == "shipped")];
        Assert.NotEmpty(shipped);
        foreach (JsonElement model in shipped)
        {
            Assert.InRange(model.GetProperty("validation_bpp").GetDouble(), 0.01, 2);
            Assert.InRange(model.GetProperty("validation_psnr_db").GetDouble(), 25, 60);
            Assert.True(model.GetProperty("lambda").GetDouble() > 0);
            Assert.True(model.GetProperty("bytes").GetInt64() > 0);
        }

        var text = CliRunner.Run("models");
        Assert.DoesNotContain("—", text.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommandsHelpShowsAnExample()
    {
        var paths = new List<string[]>();
        void Walk(Command command, string[] path)
        {
            paths.Add(path);
            foreach (Command sub in command.Subcommands)
            {
                Walk(sub, [.. path, sub.Name]);
            }
        }

        Walk(NicCommandLine.CreateRoot(), []);
        Assert.True(paths.Count >= 12, $"{paths.Count} commands");
        foreach (string[] path in paths)
        {
            var run = CliRunner.Run([.. path, "--help"]);
            Assert.True(run.ExitCode == 0, string.Join(' ', path));
            Assert.Matches(@"Examples?:\n +nic ", run.Output.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void StandardInputIsReadUpToItsCap()
    {
        byte[] png = ImageFiles.EncodePng(TestImageFiles.Pattern(20, 10));
        ImageFileContent read = ImageFiles.ReadContent(new MemoryStream(png), "standard input");
        Assert.Equal(20, read.Image.Width);
        Assert.Equal(ImageSource.Rgb8(ImageFileFormat.Png), read.Source);
        var e = Assert.Throws<ImageFileException>(() => ImageFiles.ReadContent(new MemoryStream(png), "standard input", maxBytes: png.Length - 1));
        Assert.Contains("the most this tool reads from a stream", e.Message, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output, string Error) Run(params string[] args) => args[0] == "encode"
        ? CliRunner.Run([.. args, "--models", _models, "--model", _modelName])
        : CliRunner.Run([.. args, "--models", _models]);

    private string EncodePattern()
    {
        string input = Path.Combine(_directory, "pattern.png");
        ImageFiles.WritePng(input, TestImageFiles.Pattern(70, 50));
        string nic = Path.Combine(_directory, "pattern.nic");
        Assert.Equal(0, Run("encode", input, "-o", nic).ExitCode);
        return nic;
    }

    private async Task<(int ExitCode, byte[] Output, string Error)> RunChildAsync(byte[] input, params string[] args)
    {
        using Process child = NicChildProcess.Start(true, _directory, args);
        Task<string> error = child.StandardError.ReadToEndAsync();
        var output = new MemoryStream();
        Task copy = child.StandardOutput.BaseStream.CopyToAsync(output);
        await child.StandardInput.BaseStream.WriteAsync(input);
        child.StandardInput.Close();
        await copy;
        await child.WaitForExitAsync();
        return (child.ExitCode, output.ToArray(), await error);
    }

    /// <summary>An 8-bit RGBA PNG; with <paramref name="translucent"/> its first half of the rows has alpha 128.</summary>
    private static byte[] Rgba(int width, int height, bool translucent)
    {
        byte[] pixels = new byte[width * height * 4];
        for (int i = 0; i < width * height; i++)
        {
            pixels[4 * i] = (byte)i;
            pixels[(4 * i) + 1] = (byte)(i * 3);
            pixels[(4 * i) + 2] = (byte)(i * 5);
            pixels[(4 * i) + 3] = translucent && i < width * height / 2 ? (byte)128 : (byte)255;
        }

        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, ColorComponents.RedGreenBlueAlpha, stream);
        return stream.ToArray();
    }

    /// <summary>A 16-bit RGB PNG (written here: the PNG writer writes 8 bits only) whose every pixel is 0x1234, 0x00FF, 0xABCD.</summary>
    private static byte[] Png16(int width, int height)
    {
        byte[] header = TestImageFiles.IhdrData((uint)width, (uint)height);
        header[8] = 16;
        using var raw = new MemoryStream();
        Span<byte> two = stackalloc byte[2];
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (int x = 0; x < width; x++)
            {
                foreach (ushort sample in new ushort[] { 0x1234, 0x00FF, 0xABCD })
                {
                    BinaryPrimitives.WriteUInt16BigEndian(two, sample);
                    raw.Write(two);
                }
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(zlib);
        }

        return TestImageFiles.Png(
            TestImageFiles.PngChunkBytes("IHDR", header),
            TestImageFiles.PngChunkBytes("IDAT", compressed.ToArray()),
            TestImageFiles.PngChunkBytes("IEND", []));
    }
}
