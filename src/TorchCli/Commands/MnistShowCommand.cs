using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Cli;
using Nic.Cli.Commands;
using Nic.Cli.Imaging;
using Nic.Codec;
using Nic.Codec.Entropy;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Format;
using Nic.Torch.Models;
using Nic.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// <c>nic-torch mnist-show MODEL</c>: the rest of the TensorFlow Compression MNIST tutorial for a trained
/// <c>tfc-mnist</c> model: the 10,000 test digits compressed to strings and decompressed (their sizes in both stream
/// forms against their information), 16 test digits' strings in hex with the digits before and after as a PNG grid,
/// and digits decoded from latents drawn from the prior as a second grid.
/// </summary>
internal static class MnistShowCommand
{
    private const int Side = TfcMnistModel.Side;

    // Held for the process (NIC0001: a Scalar made on the spot can be freed while libtorch reads it).
    private static readonly Scalar Zero = 0.ToScalar();
    private static readonly Scalar Max8 = 255.ToScalar();

    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "A tfc-mnist model file (nic-torch train mnist)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder scripts/fetch-data.sh filled (with mnist/).", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Where to write digits.png and samples.png.", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var skip = new Option<int>("--skip") { Description = "Batches of 16 test digits to skip before the 16 shown (the tutorial: 3).", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the latents drawn from the prior.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the figures and strings as JSON." };
        var command = new Command("mnist-show", "The MNIST tutorial's compression demo for a trained tfc-mnist model: test-set rate and error after real compression, 16 digits' strings and a before/after grid, and digits sampled from the prior.")
        {
            model, data, output, skip, seed, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            TextWriter stdout = result.InvocationConfiguration.Output;
            try
            {
                stdout.WriteLine(Run(result.GetValue(model)!, result.GetValue(data)!, result.GetValue(output)!, result.GetValue(skip), result.GetValue(seed), result.GetValue(json)));
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NicCodecException)
            {
                error.WriteLine($"error: {e.Message}");
                return Task.FromResult(ExitCodes.InvalidData);
            }
        });
        return command;
    }

    private static string Run(FileInfo modelFile, DirectoryInfo data, DirectoryInfo output, int skip, int seed, bool asJson)
    {
        if (skip < 0 || (skip + 1) * 16 > 10_000)
        {
            throw new ArgumentException($"--skip {skip} leaves no 16 test digits to show");
        }

        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using TfcMnistModel model = TfcMnistModel.FromModelFile(NicModelFile.Load(modelFile.FullName));
        Tensor test = DigitData.LoadIdxImages(Path.Combine(data.FullName, DigitData.MnistDirectory, DigitData.TestImagesFile));
        MnistCompressionResult all = MnistTutorial.Evaluate(model, test);

        // Per digit: information (−log2 of the tables' probabilities), compact and standard string lengths.
        QuantizedCdfTables tables = model.Tables();
        int[] latents = model.Analyze(test).round().to_type(ScalarType.Int32).data<int>().ToArray();
        int l = model.LatentDimensions, count = (int)test.shape[0];
        int[] indexes = Enumerable.Range(0, l).ToArray();
        double information = 0, compactBits = 0, standardBits = 0, worst = double.NegativeInfinity;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<int> y = latents.AsSpan(i * l, l);
            double info = IndexedEntropyCoder.InformationBits(y, indexes, tables);
            double compact = 8.0 * IndexedEntropyCoder.Encode(y, indexes, tables, RansStreamForm.Compact).Length;
            information += info;
            compactBits += compact;
            standardBits += 8.0 * IndexedEntropyCoder.Encode(y, indexes, tables, RansStreamForm.Standard).Length;
            worst = Math.Max(worst, compact - info);
        }

        information /= count;
        compactBits /= count;
        standardBits /= count;

        // The tutorial's 16 digits, their strings and the before/after grid.
        Tensor originals = test.narrow(0, skip * 16, 16);
        byte[][] strings = model.Compress(originals);
        Tensor reconstructions = Clamp8(model.Decompress(strings));
        Tensor originals8 = Clamp8(originals);
        double[] entropies = ToDoubles(model.forward(originals).Bits);
        Directory.CreateDirectory(output.FullName);
        string digitsPath = Path.Combine(output.FullName, "digits.png");
        WriteGrid(digitsPath, originals8, reconstructions);

        // Digits decoded from latents drawn from the prior: logistic(0, s) per dimension by the inverse CDF, rounded.
        var random = new Random(seed);
        float[] scales = model.LogScales.detach().exp().data<float>().ToArray();
        var drawn = new float[16 * l];
        for (int i = 0; i < drawn.Length; i++)
        {
            double u = (random.NextDouble() * (1 - 2e-9)) + 1e-9;
            drawn[i] = (float)Math.Round(scales[i % l] * Math.Log(u / (1 - u)));
        }

        Tensor samples = Clamp8(model.Synthesize(tensor(drawn, [16, l])));
        string samplesPath = Path.Combine(output.FullName, "samples.png");
        WriteGrid(samplesPath, samples, null);

        if (asJson)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteNumber("test_digits", count);
                writer.WriteNumber("information_bits_per_digit", information);
                writer.WriteNumber("compact_bits_per_digit", compactBits);
                writer.WriteNumber("standard_bits_per_digit", standardBits);
                writer.WriteNumber("chained_bits_per_digit", all.ChainedBitsPerDigit);
                writer.WriteNumber("compact_worst_overhead_bits", worst);
                writer.WriteNumber("estimated_bits_per_digit", all.EstimatedBitsPerDigit);
                writer.WriteNumber("mae_8bit", all.Mae);
                writer.WriteNumber("compress_seconds", all.CompressTime.TotalSeconds);
                writer.WriteNumber("decompress_seconds", all.DecompressTime.TotalSeconds);
                writer.WriteStartArray("digits");
                for (int i = 0; i < strings.Length; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("index", (skip * 16) + i);
                    writer.WriteString("string", Convert.ToHexStringLower(strings[i]));
                    writer.WriteNumber("bytes", strings[i].Length);
                    writer.WriteNumber("information_bits", entropies[i]);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("digits_png", digitsPath);
                writer.WriteString("samples_png", samplesPath);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{count} test digits compressed and decompressed: {all.BitsPerDigit:F2} bits/digit actual (compact strings), {all.EstimatedBitsPerDigit:F2} estimated from the likelihoods, MAE {all.Mae:F4} after decompression to 8 bits");
        text.AppendLine(CultureInfo.InvariantCulture, $"  information under the coder's tables {information:F2} bits/digit; strings: compact {compactBits:F2} bits/digit (+{compactBits - information:F2}, worst digit +{worst:F2}), standard {standardBits:F2} bits/digit (+{standardBits - information:F2})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  all {count} digits chained into one compact stream: {all.ChainedBitsPerDigit:F2} bits/digit");
        text.AppendLine(CultureInfo.InvariantCulture, $"  compress {all.CompressTime.TotalSeconds:F2} s, decompress {all.DecompressTime.TotalSeconds:F2} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"test digits {skip * 16}–{(skip * 16) + 15}:");
        for (int i = 0; i < strings.Length; i++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(skip * 16) + i,5}: 0x{Convert.ToHexStringLower(strings[i]),-20} {strings[i].Length,2} bytes = {8 * strings[i].Length,3} bits, information {entropies[i],6:F2} bits");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"wrote {digitsPath} (original | reconstruction) and {samplesPath} (16 digits decoded from latents drawn from the prior)");
        return text.ToString().TrimEnd();
    }

    private static Tensor Clamp8(Tensor x) => x.mul(Max8).round().clamp(Zero, Max8).to_type(ScalarType.Byte).reshape(-1, Side, Side);

    private static double[] ToDoubles(Tensor t) => t.to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>A 4 × 4 grid, each digit scaled 4× (nearest); with <paramref name="right"/>, each cell is the digit, a gap and its partner.</summary>
    private static void WriteGrid(string path, Tensor left, Tensor? right)
    {
        const int scale = 4, gap = 14, border = 8;
        byte[] a = left.data<byte>().ToArray();
        byte[]? b = right?.data<byte>().ToArray();
        int cellWidth = b is null ? Side : (2 * Side) + gap;
        int width = (4 * (cellWidth + border) + border) * scale, height = (4 * (Side + border) + border) * scale;
        var image = new RgbImage(width, height);
        byte[] pixels = image.Pixels;
        Array.Fill(pixels, (byte)64);
        for (int d = 0; d < 16; d++)
        {
            int x0 = border + (d % 4 * (cellWidth + border)), y0 = border + (d / 4 * (Side + border));
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < cellWidth; x++)
                {
                    byte v = x < Side ? a[(d * Side * Side) + (y * Side) + x]
                        : x < Side + gap ? (byte)0
                        : b![(d * Side * Side) + (y * Side) + x - Side - gap];
                    for (int sy = 0; sy < scale; sy++)
                    {
                        int row = ((y0 + y) * scale) + sy;
                        for (int sx = 0; sx < scale; sx++)
                        {
                            int p = ((row * width) + ((x0 + x) * scale) + sx) * 3;
                            pixels[p] = pixels[p + 1] = pixels[p + 2] = v;
                        }
                    }
                }
            }
        }

        AtomicFile.WriteAllBytes(path, ImageFiles.EncodePng(image));
    }
}
