using System.Diagnostics;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Cli.Bench;

/// <summary>
/// The transform benchmark behind <c>nic bench transforms</c>: g_a, h_a, h_s and g_s of a scale-hyperprior model
/// (N = 128, M = 192, seeded random weights) on an image-sized input, per arithmetic and thread count, layer by layer,
/// median of several runs;
/// and the peak memory of the decoder-side transforms (h_s, then g_s in bands) for a large image, measured in a
/// child process so that nothing else in this process inflates it.
/// </summary>
internal static class TransformBenchmark
{
    /// <summary>The model the benchmark uses: bmshj2018-hyperprior, N = 128, M = 192.</summary>
    public static NicModelFile CreateModel() => NicModelFile.Load(CreateModelBytes());

    /// <summary>
    /// Times each configuration (an arithmetic and a thread count) over <paramref name="runs"/> rounds after two
    /// warm-up rounds, layer by layer. The configurations alternate within each round, so drift on a noisy machine
    /// affects them alike.
    /// </summary>
    public static IReadOnlyList<TransformTimings> Time(NicModelFile file, int width, int height, IReadOnlyList<(ManagedArithmetic Arithmetic, int Threads)> configurations, int runs, Action<string>? progress = null)
    {
        var random = new Random(7);
        var image = new FeatureMap(3, height, width);
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (float)random.NextDouble();
        }

        const int warmUp = 2;
        ManagedModel[] models = [.. configurations.Select(c => ManagedModel.Create(file, c.Threads, c.Arithmetic))];
        var profiler = new LayerProfiler();
        var samples = new double[configurations.Count, 4, runs];
        var layers = new List<LayerSample>[configurations.Count, runs];
        for (int r = -warmUp; r < runs; r++)
        {
            for (int m = 0; m < models.Length; m++)
            {
                string what = $"{configurations[m].Threads} thread(s), {configurations[m].Arithmetic.ToString().ToLowerInvariant()}";
                progress?.Invoke(r < 0 ? $"warm-up {r + warmUp + 1}/{warmUp}, {what}" : $"run {r + 1}/{runs}, {what}");
                ManagedModel model = models[m];
                profiler.Clear();
                model.Profiler = profiler;
                long t0 = Stopwatch.GetTimestamp();
                FeatureMap y = model.Analyze(image);
                long t1 = Stopwatch.GetTimestamp();
                FeatureMap z = model.HyperAnalyze(y);
                long t2 = Stopwatch.GetTimestamp();
                Round(z);
                Round(y);
                long t3 = Stopwatch.GetTimestamp();
                model.HyperSynthesize(z);
                long t4 = Stopwatch.GetTimestamp();
                model.Synthesize(y);
                long t5 = Stopwatch.GetTimestamp();
                model.Profiler = null;
                if (r >= 0)
                {
                    samples[m, 0, r] = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                    samples[m, 1, r] = Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
                    samples[m, 2, r] = Stopwatch.GetElapsedTime(t3, t4).TotalSeconds;
                    samples[m, 3, r] = Stopwatch.GetElapsedTime(t4, t5).TotalSeconds;
                    layers[m, r] = [.. profiler.Samples];
                }
            }
        }

        double Median(int m, int stage) => BenchStatistics.Median([.. Enumerable.Range(0, runs).Select(r => samples[m, stage, r])]);
        IReadOnlyList<LayerTiming> Layers(int m) =>
        [
            .. layers[m, 0].Select((first, i) => new LayerTiming(
                first.Name,
                first.Kind,
                first.MultiplyAdds,
                BenchStatistics.Median([.. Enumerable.Range(0, runs).Select(r => layers[m, r][i].Seconds)]))),
        ];
        return [.. Enumerable.Range(0, models.Length).Select(m => new TransformTimings(configurations[m].Arithmetic, configurations[m].Threads, Median(m, 0), Median(m, 1), Median(m, 2), Median(m, 3), Layers(m)))];
    }

    /// <summary>The bytes of the benchmark's model, for a child process to load from a file as a decoder would.</summary>
    public static byte[] CreateModelBytes() => ModelFactory.CreateRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 128, 192, seed: 1);

    /// <summary>
    /// Loads the model file at <paramref name="modelPath"/> and runs the decoder-side transforms for a <paramref name="width"/> × <paramref name="height"/> image in this
    /// process — h_s on ẑ, then g_s band by band into an 8-bit RGB buffer — and returns the process's peak resident
    /// memory in MiB (Linux VmHWM; elsewhere the peak working set).
    /// </summary>
    public static double MeasureDecodePeakMemory(string modelPath, int width, int height, int bandRows, int threads)
    {
        NicModelFile file = NicModelFile.Load(modelPath);
        ManagedModel model = ManagedModel.Create(file, threads);
        int yh = (height + 63) / 64 * 4, yw = (width + 63) / 64 * 4;
        var random = new Random(3);
        var zHat = new FeatureMap(file.HyperParameters.N, yh / 4, yw / 4);
        for (int i = 0; i < zHat.Data.Length; i++)
        {
            zHat.Data[i] = random.Next(-3, 4);
        }

        EntropyParameters parameters = model.HyperSynthesize(zHat);
        var yHat = new FeatureMap(file.HyperParameters.M, yh, yw);
        for (int i = 0; i < yHat.Data.Length; i++)
        {
            yHat.Data[i] = MathF.Round((float)(random.NextDouble() * 2 - 1) * Math.Min(parameters.Scales.Data[i], 8f));
        }

        var pixels = new byte[checked(3L * width * height)];
        var band = new FeatureMap(3, bandRows * 16, yw * 16);
        for (int first = 0; first < yh; first += bandRows)
        {
            int rows = Math.Min(bandRows, yh - first);
            if (rows != bandRows)
            {
                band = new FeatureMap(3, rows * 16, yw * 16);
            }

            model.SynthesizeRows(yHat, first, rows, band);
            int top = first * 16;
            for (int y = 0; y < band.Height && top + y < height; y++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Span<float> row = band.Row(c, y);
                    for (int x = 0; x < width; x++)
                    {
                        pixels[((long)(top + y) * width + x) * 3 + c] = (byte)Math.Clamp(MathF.Round(row[x] * 255), 0, 255);
                    }
                }
            }
        }

        GC.KeepAlive(pixels);
        return PeakMemory.ResidentMegabytes();
    }

    private static void Round(FeatureMap map)
    {
        for (int i = 0; i < map.Data.Length; i++)
        {
            map.Data[i] = MathF.Round(map.Data[i]);
        }
    }
}
