using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Nic.Cli;
using Nic.Cli.Eval;
using Nic.Codec;
using Nic.Codec.Models;
using Nic.Torch.Models;
using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Cli.Commands;

/// <summary>
/// <c>nic-torch mnist-rd MODEL…</c>: the MNIST tutorial's rate–distortion trade-off over models trained at several λ
/// (<c>nic-torch train mnist --lambda L</c>): each compresses and decompresses the 10,000 test digits for real
/// (<see cref="MnistTutorial.Evaluate"/>); the table gives λ, the bits per digit of one string per digit and of all
/// digits chained into one stream, the information, and the MAE of the 8-bit decompressed digits, and <c>--plot</c>
/// draws MAE against bits per digit.
/// </summary>
internal static class MnistRdCommand
{
    public static Command Create()
    {
        var models = new Argument<FileInfo[]>("models") { Description = "tfc-mnist model files, one per λ.", Arity = ArgumentArity.OneOrMore };
        var data = new Option<DirectoryInfo>("--data") { Description = "The folder scripts/fetch-data.sh filled (with mnist/).", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var plot = new Option<FileInfo?>("--plot") { Description = "Write the rate–distortion plot (MAE against bits per digit) to this PNG." };
        var json = new Option<bool>("--json") { Description = "Print the table as JSON." };
        var command = new Command("mnist-rd", "The rate–distortion trade-off of tfc-mnist models trained at several λ: the 10,000 test digits compressed and decompressed for real by each, as a table and a plot.")
        {
            models, data, plot, json,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TextWriter error = result.InvocationConfiguration.Error;
            try
            {
                result.InvocationConfiguration.Output.WriteLine(Run(result.GetValue(models)!, result.GetValue(data)!, result.GetValue(plot), result.GetValue(json), cancellationToken));
                return Task.FromResult(ExitCodes.Success);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NicCodecException)
            {
                error.WriteLine($"error: {e.Message}");
                return Task.FromResult(e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException ? ExitCodes.UsageOrFile : ExitCodes.InvalidData);
            }
        });
        return command;
    }

    /// <summary>One model's point: its λ and its real figures on the test digits.</summary>
    internal sealed record Point(string Model, double Lambda, MnistCompressionResult Result);

    internal static string Run(IReadOnlyList<FileInfo> modelFiles, DirectoryInfo data, FileInfo? plot, bool asJson, CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureLoaded();
        var files = new List<(string Name, NicModelFile File)>();
        foreach (FileInfo modelFile in modelFiles)
        {
            NicModelFile file = NicModelFile.Load(modelFile.FullName);
            // The digit models have a dense latent; TfcMnistModel.FromModelFile checks the architecture itself.
            if (file.Architecture.HasImageLatent)
            {
                throw new ArgumentException($"{modelFile.Name} is a {file.Architecture} model, not tfc-mnist");
            }

            files.Add((modelFile.Name, file));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor test = DigitData.LoadIdxImages(Path.Combine(data.FullName, DigitData.MnistDirectory, DigitData.TestImagesFile));
        var points = new List<Point>();
        foreach ((string name, NicModelFile file) in files.OrderBy(f => f.File.Lambda))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using TfcMnistModel model = TfcMnistModel.FromModelFile(file);
            points.Add(new Point(name, file.Lambda, MnistTutorial.Evaluate(model, test)));
        }

        if (plot is not null)
        {
            RdPlot.Save(
                plot.FullName,
                $"MNIST test digits ({(int)test.shape[0]}): MAE against rate, lambda {string.Join(", ", points.Select(p => p.Lambda.ToString("G4", CultureInfo.InvariantCulture)))}",
                [new RdSeries("one string per digit", [.. points.Select(p => new RdPoint(p.Result.BitsPerDigit, p.Result.Mae))]),
                 new RdSeries("all digits in one stream", [.. points.Select(p => new RdPoint(p.Result.ChainedBitsPerDigit, p.Result.Mae))]),
                 new RdSeries("information (likelihoods)", [.. points.Select(p => new RdPoint(p.Result.EstimatedBitsPerDigit, p.Result.Mae))])],
                maxBpp: null,
                new RdPlotAxisTitles("Rate (bits per digit)", "MAE, 8-bit digits on [0, 1]"));
        }

        return asJson ? FormatJson(points, plot) : FormatText(points, plot);
    }

    private static string FormatText(IReadOnlyList<Point> points, FileInfo? plot)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"model",-28} {"lambda",8} {"bits/digit",10} {"1 stream",8} {"info bits",9} {"MAE",7} {"compress s",10} {"decompress s",12}\n");
        foreach (Point p in points)
        {
            MnistCompressionResult r = p.Result;
            text.Append(CultureInfo.InvariantCulture, $"{p.Model,-28} {p.Lambda,8:G6} {r.BitsPerDigit,10:F2} {r.ChainedBitsPerDigit,8:F2} {r.EstimatedBitsPerDigit,9:F2} {r.Mae,7:F4} {r.CompressTime.TotalSeconds,10:F2} {r.DecompressTime.TotalSeconds,12:F2}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"({points[0].Result.Count} test digits each, compressed to one compact string per digit and decompressed to 8 bits; 1 stream: all of them chained into one compact stream)");
        if (plot is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nplot: {plot.FullName}");
        }

        return text.ToString();
    }

    private static string FormatJson(IReadOnlyList<Point> points, FileInfo? plot)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("points");
            foreach (Point p in points)
            {
                writer.WriteStartObject();
                writer.WriteString("model", p.Model);
                writer.WriteNumber("lambda", p.Lambda);
                writer.WriteNumber("test_digits", p.Result.Count);
                writer.WriteNumber("bits_per_digit", p.Result.BitsPerDigit);
                writer.WriteNumber("chained_bits_per_digit", p.Result.ChainedBitsPerDigit);
                writer.WriteNumber("information_bits_per_digit", p.Result.EstimatedBitsPerDigit);
                writer.WriteNumber("mae_8bit", p.Result.Mae);
                writer.WriteNumber("compress_seconds", p.Result.CompressTime.TotalSeconds);
                writer.WriteNumber("decompress_seconds", p.Result.DecompressTime.TotalSeconds);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (plot is not null)
            {
                writer.WriteString("plot", plot.FullName);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
