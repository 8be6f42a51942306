using System.Text.Json;
using Nic.Cli.Imaging;
using Nic.Codec.Catalog;
using Nic.Codec.Imaging;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;
using Nic.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Nic.Cli.Tests.Codec;

/// <summary>
/// The trained models in the repository's <c>models/</c> folder: the size budget, what their metadata records, and on the
/// CC0 sample photo the compressed size against each model's own rate estimate and the order of the rate points.
/// </summary>
[Collection(LibtorchCollection.Name)]
public sealed class ShippedModelTests
{
    /// <summary>The budget for all shipped model files together.</summary>
    private const long ModelBytesBudget = 60_000_000;

    private static readonly Lazy<NicModelCatalog> Catalog = new(() => new NicModelCatalog());

    private static readonly Lazy<RgbImage> Sample = new(() => ImageFiles.Read(Path.Combine(RepositoryFiles.Root, "samples", "seeding.png")));

    /// <summary>The trained points of the shipped variable-rate files (each rebuilds the fixed-rate file it was shipped as).</summary>
    public static TheoryData<string> ShippedModelNames()
    {
        var data = new TheoryData<string>();
        foreach (NicModelEntry entry in new NicModelCatalog().Models.Where(m => m.Source == "shipped"))
        {
            data.Add(entry.Name);
        }

        return data;
    }

    [Fact]
    public void TheShippedModelsFitTheBudgetAndTheDefaultIsAMidRateMeanScaleModel()
    {
        string[] files = Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "models"), "*.nicm");
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.True(NicModelFamily.IsFamilyFile(File.ReadAllBytes(f)), $"{f} is not a variable-rate file"));
        long total = files.Sum(f => new FileInfo(f).Length);
        Assert.True(total <= ModelBytesBudget, $"the shipped models take {total} bytes, over the budget of {ModelBytesBudget}");
        Assert.Equal(15, Catalog.Value.Models.Count(m => m.Source == "shipped"));

        NicModelEntry fallback = Catalog.Value.Find(NicModelCatalog.DefaultModelName);
        Assert.Equal("shipped", fallback.Source);
        Assert.Equal(ModelArchitectureKind.Mbt2018MeanChannelContext, fallback.File.Architecture.Kind);
        int[] ratePoints = [.. Catalog.Value.Models.Where(m => m.Family == fallback.Family).Select(m => m.RatePoint).Order()];
        Assert.True(ratePoints.Length >= 5, $"the default family has only {ratePoints.Length} rate points");
        int middle = ratePoints[(ratePoints.Length - 1) / 2], upperMiddle = ratePoints[ratePoints.Length / 2];
        Assert.InRange(fallback.RatePoint, middle, upperMiddle);
    }

    [Theory]
    [MemberData(nameof(ShippedModelNames))]
    public void AShippedModelIsFloat16AndRecordsItsTraining(string name)
    {
        NicModelEntry entry = Catalog.Value.Find(name);
        NicModelFile file = entry.File;
        string path = entry.Path!;
        Assert.Equal(name, file.Name);
        Assert.NotEqual(name, file.Family);
        Assert.Equal($"{file.Family}-q{file.RatePoint}", name);
        Assert.Equal(file.Family + ".nicm", Path.GetFileName(path));

        using JsonDocument training = JsonDocument.Parse(file.Metadata["training"]);
        JsonElement root = training.RootElement;
        Assert.True(root.GetProperty("steps").GetInt32() > 0);
        Assert.Equal(file.Lambda, root.GetProperty("lambda").GetDouble(), 12);
        Assert.Contains("data/photos/train", root.GetProperty("data").GetString(), StringComparison.Ordinal);
        JsonElement validation = root.GetProperty("validation_final");
        Assert.InRange(validation.GetProperty("bpp").GetDouble(), 0.001, 8);
        Assert.InRange(validation.GetProperty("psnr").GetDouble(), 20, 60);

        // Every parameter of the family file is stored as binary16 (spec/nic-model.md §2.2); the tables stay I32, the
        // scale table and the gain vectors (§11.1) F32, and so do the small context networks of mbt2018-mean-cc (§4.6),
        // which keep their trained binary32 values.
        using FileStream stream = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        byte[] header = new byte[BitConverter.ToUInt64(length)];
        stream.ReadExactly(header);
        using JsonDocument tensors = JsonDocument.Parse(header);
        foreach (JsonProperty tensor in tensors.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            string dtype = tensor.Value.GetProperty("dtype").GetString()!;
            bool table = tensor.Name.EndsWith("._quantized_cdf", StringComparison.Ordinal) || tensor.Name.EndsWith("._offset", StringComparison.Ordinal)
                || tensor.Name.EndsWith("._cdf_length", StringComparison.Ordinal);
            bool context = tensor.Name.StartsWith("context.", StringComparison.Ordinal) || tensor.Name.StartsWith("spatial.", StringComparison.Ordinal);
            string expected = table ? "I32" : tensor.Name.EndsWith("scale_table", StringComparison.Ordinal) || tensor.Name.StartsWith("gains.", StringComparison.Ordinal) || context ? "F32" : "F16";
            Assert.True(expected == dtype, $"{tensor.Name} is {dtype}, expected {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(ShippedModelNames))]
    public void TheFileIsWithinOnePercentPlusHeaderOfTheModelsEstimatedRate(string name)
    {
        // A 640×320 crop: multiples of 64, so the codec pads nothing and codes exactly what the model's forward pass sees.
        RgbImage crop = Crop(Sample.Value, 640, 320);
        NicModelFile model = Catalog.Value.Find(name).File;

        // The estimate is the mean-scale forward pass's; a point of the context family is checked against its base
        // point's (the same transforms and hyperprior, recorded in its base_model metadata): it must code fewer bits.
        bool context = model.Architecture.Kind == ModelArchitectureKind.Mbt2018MeanChannelContext;
        NicModelFile estimated = context
            ? Catalog.Value.Find(JsonDocument.Parse(model.Metadata["base_model"]).RootElement.GetProperty("name").GetString()!).File
            : model;
        double estimatedBytes = EstimatedBits(estimated, crop) / 8;

        var codec = new NicCodec(Catalog.Value);
        byte[] encoded = codec.Encode(crop, new NicEncodeOptions { Model = name });
        NicFile file = NicFile.Read(encoded);
        long payload = (file.ZSubstream?.Length ?? 0) + file.Bands.Sum(b => (long)b.Length);
        long header = encoded.Length - payload;

        // The range coder ends each substream with at most a few bytes of its final state.
        int substreams = file.Bands.Count + (file.ZSubstream is null ? 0 : 1);
        double allowance = (0.01 * estimatedBytes) + (4 * substreams);
        if (context)
        {
            Assert.True(
                payload < estimatedBytes && payload > 0.8 * estimatedBytes,
                $"{name}: {payload} bytes coded, its base {estimated.Name} estimates {estimatedBytes:F1} ({(payload / estimatedBytes) - 1:P2} off); the context should save a few per cent");
            return;
        }

        Assert.True(
            Math.Abs(payload - estimatedBytes) <= allowance,
            $"{name}: {encoded.Length} bytes = {header} of header + {payload} coded, the model estimates {estimatedBytes:F1} ({(payload / estimatedBytes) - 1:P2} off)");
    }

    [Fact]
    public async Task EachFamilyTradesRateForQualityInOrderOfItsRatePoints()
    {
        RgbImage crop = Crop(Sample.Value, 640, 320);
        var codec = new NicCodec(Catalog.Value);
        foreach (IGrouping<string, NicModelEntry> family in Catalog.Value.Models.Where(m => m.Source == "shipped").GroupBy(m => m.Family))
        {
            var points = new List<(int RatePoint, long Bytes, double Psnr)>();
            foreach (NicModelEntry entry in family.OrderBy(m => m.RatePoint))
            {
                byte[] encoded = codec.Encode(crop, new NicEncodeOptions { Model = entry.Name });
                RgbImage decoded = await codec.DecodeAsync(encoded);
                points.Add((entry.RatePoint, encoded.Length, ImageQuality.Psnr(crop, decoded)));
            }

            string curve = string.Join("; ", points.Select(p => $"q{p.RatePoint} {p.Bytes} B {p.Psnr:F2} dB"));
            for (int i = 1; i < points.Count; i++)
            {
                Assert.True(points[i].Bytes > points[i - 1].Bytes && points[i].Psnr > points[i - 1].Psnr, $"{family.Key}: {curve}");
            }

            // The sample is a detailed photo: even the lowest rate point keeps it recognisable.
            Assert.True(points[0].Psnr > 26, $"{family.Key}: {curve}");
        }
    }

    private static double EstimatedBits(NicModelFile file, RgbImage image)
    {
        using var scope = NewDisposeScope();
        using ImageCompressionModel model = ImageModels.FromModelFile(file);
        model.eval();
        float[] planes = new float[3 * image.Width * image.Height];
        for (int y = 0; y < image.Height; y++)
        {
            ReadOnlySpan<byte> row = image.GetRow(y);
            for (int x = 0; x < image.Width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    planes[(((c * image.Height) + y) * image.Width) + x] = row[(3 * x) + c] / 255f;
                }
            }
        }

        using var noGrad = no_grad();
        Tensor input = tensor(planes, [1, 3, image.Height, image.Width]);
        (_, Tensor bits) = model.forward(input);
        return bits.item<float>();
    }

    private static RgbImage Crop(RgbImage image, int width, int height)
    {
        var crop = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            image.GetRow(y)[..(3 * width)].CopyTo(crop.Pixels.AsSpan(y * crop.Stride, 3 * width));
        }

        return crop;
    }
}
