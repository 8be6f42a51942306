using System.CommandLine;
using Nic.Cli.Json;
using System.Diagnostics;
using System.Globalization;
using Nic.Cli.Bench;
using Nic.Codec.Entropy;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary><c>nic bench …</c>: benchmarks that print figures (and JSON with <c>--json</c>).</summary>
internal static class BenchCommand
{
    /// <summary>
    /// CompressAI 1.2.4's C++ rANS on this machine class (docs/performance.md): encode and decode M symbols/s for the
    /// same three index ranges. They were not measured in this run; the ratios against them are indicative.
    /// </summary>
    private static readonly Dictionary<string, (double Encode, double Decode)> CompressAiReference = new()
    {
        ["0-63"] = (15, 14),
        ["0-31"] = (15, 40),
        ["0-15"] = (15, 45),
    };

    public static Command Create(TransformBackends backends)
    {
        var bench = new Command("bench", "Run a benchmark and print its figures.");
        bench.Subcommands.Add(CreateCoder());
        bench.Subcommands.Add(CreateTransforms());
        bench.Subcommands.Add(CreateCodec(backends));
        bench.Subcommands.Add(CreateParallel(backends));
        bench.Subcommands.Add(CreateMetadata());
        return bench;
    }

    private static Command CreateMetadata()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Images whose ICC, EXIF and XMP to measure (as nic encode reads them), or item files *.icc, *.icm, *.exif, *.xmp.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command(
            "metadata",
            "Sizes of ICC profiles, EXIF and XMP: raw, as a .nic file stores them (compressed where smaller), and with Brotli (quality 11, 9, 5) and ZLib/Deflate (level 9, 6).")
        {
            inputs, json,
        };
        CommandExamples.Add(command, "nic bench metadata photo.jpg /usr/share/color/icc/*.icc --json");
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            IReadOnlyList<MetadataSizes> sizes;
            try
            {
                sizes = [.. MetadataBenchmark.Collect(result.GetValue(inputs)!).Select(MetadataBenchmark.Measure)];
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is IOException or UnauthorizedAccessException)
            {
                return CommandErrors.Report(e, error);
            }

            string[] coders = [.. MetadataBenchmark.Coders.Select(c => c.Name)];
            var kinds = sizes.GroupBy(s => s.Sample.Kind).OrderBy(g => Array.IndexOf(["icc", "exif", "xmp"], g.Key)).ToList();
            if (result.GetValue(json))
            {
                output.Write(NicJsonContext.Format(
                    new BenchMetadataJson(
                        "metadata",
                        [.. sizes.Select(s => new BenchMetadataItemJson(s.Sample.Source, s.Sample.Kind, s.Sample.Bytes.Length, s.Chunk, s.Stored, coders.Zip(s.Coded).ToDictionary(p => p.First, p => p.Second)))],
                        [.. kinds.Select(g => new BenchMetadataTotalJson(
                            g.Key,
                            g.Count(),
                            g.Sum(s => (long)s.Sample.Bytes.Length),
                            g.Sum(s => (long)s.Stored),
                            coders.Select((c, i) => (c, g.Sum(s => (long)s.Coded[i]))).ToDictionary(p => p.c, p => p.Item2),
                            coders.Select((c, i) => (c, g.Sum(s => s.CompressMilliseconds[i]))).ToDictionary(p => p.c, p => p.Item2)))]),
                    NicJsonContext.Default.BenchMetadataJson));
                return 0;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"item",-44} {"kind",-4} {"raw",8} {"nic",8} {"chunk",-5} {string.Join(" ", coders.Select(c => $"{c,8}"))}"));
            foreach (MetadataSizes s in sizes)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Shorten(s.Sample.Source, 44),-44} {s.Sample.Kind,-4} {s.Sample.Bytes.Length,8} {s.Stored,8} {s.Chunk,-5} {string.Join(" ", s.Coded.Select(c => $"{c,8}"))}"));
            }

            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"total (share of raw)",-30} {"items",5} {"raw",9} {"nic",14} {string.Join(" ", coders.Select(c => $"{c,14}"))}"));
            foreach (var g in kinds)
            {
                long raw = g.Sum(s => (long)s.Sample.Bytes.Length);
                string Share(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes,7} {100.0 * bytes / raw,5:F1}%");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{g.Key,-30} {g.Count(),5} {raw,9} {Share(g.Sum(s => (long)s.Stored))} {string.Join(" ", coders.Select((_, i) => Share(g.Sum(s => (long)s.Coded[i]))))}"));
            }

            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"compress ms (sum of medians)",-30} {"items",5} {"raw",9} {string.Empty,14} {string.Join(" ", coders.Select(c => $"{c,14}"))}"));
            foreach (var g in kinds)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{g.Key,-30} {g.Count(),5} {g.Sum(s => (long)s.Sample.Bytes.Length),9} {string.Empty,14} {string.Join(" ", coders.Select((_, i) => $"{g.Sum(s => s.CompressMilliseconds[i]),14:F1}"))}"));
            }

            return 0;
        });
        return command;
    }

    private static string Shorten(string text, int width) => text.Length <= width ? text : "…" + text[^(width - 1)..];

    private static Command CreateCoder()
    {
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var symbols = new Option<int>("--symbols") { Description = "Symbols per index range.", DefaultValueFactory = _ => 10_000_000 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per range; the median is reported.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the symbol generator.", DefaultValueFactory = _ => 1 };
        var command = new Command(
            "coder",
            "Entropy-coder throughput, single thread: symbols from 64 Gaussian scale tables (σ 0.11–256, log-spaced), scale indexes uniform over 0–63, 0–31 and 0–15.")
        {
            json, symbols, runs, seed,
        };

        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            int count = result.GetValue(symbols), runCount = result.GetValue(runs);
            if (count < 1 || runCount < 1)
            {
                error.WriteLine("error: --symbols and --runs must be at least 1");
                return 1;
            }

            double[] scales = GaussianCdfTables.LogSpacedScales();
            QuantizedCdfTables tables = GaussianCdfTables.Create(scales);
            var results = new List<CoderBenchmarkResult>();
            foreach (int range in CoderBenchmark.IndexRanges)
            {
                results.Add(CoderBenchmark.Run(tables, scales, range, count, runCount, result.GetValue(seed), line => error.Write($"\r{line}   ")));
            }

            error.Write("\r" + new string(' ', 40) + "\r");
            if (result.GetValue(json))
            {
                WriteJson(output, results, count, runCount);
            }
            else
            {
                WriteTable(output, results, count, runCount);
            }

            return 0;
        });
        return command;
    }

    /// <summary>CompressAI bmshj2018-hyperprior decode on PyTorch CPU for 768×512 (docs/performance.md), by thread count; not measured in this run.</summary>
    private static readonly Dictionary<int, double> CompressAiDecodeSeconds = new() { [1] = 2.2, [2] = 1.8 };

    private static Command CreateTransforms()
    {
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var runs = new Option<int>("--runs") { Description = "Timed runs per thread count; the median is reported.", DefaultValueFactory = _ => 5 };
        var width = new Option<int>("--width") { Description = "Image width for the timings.", DefaultValueFactory = _ => 768 };
        var height = new Option<int>("--height") { Description = "Image height for the timings.", DefaultValueFactory = _ => 512 };
        var memoryWidth = new Option<int>("--memory-width") { Description = "Image width for the peak-memory decode.", DefaultValueFactory = _ => 4000 };
        var memoryHeight = new Option<int>("--memory-height") { Description = "Image height for the peak-memory decode.", DefaultValueFactory = _ => 3000 };
        var skipMemory = new Option<bool>("--skip-memory") { Description = "Skip the peak-memory decode." };
        var memoryChild = new Option<string?>("--decode-memory-child") { Description = "Internal: load this model file, run the peak-memory decode in this process and print MiB.", Hidden = true };
        var arithmetic = new Option<string>("--arithmetic") { Description = "The arithmetic of g_a, h_a and g_s to time: reference, fused, winograd (g_a's and g_s's largest convolutions by Winograd's minimal filtering; their multiply-adds counted as the direct convolution's), both (reference and fused) or all (spec/nic-model.md §10).", DefaultValueFactory = _ => "both" };
        arithmetic.AcceptOnlyFromAmong("reference", "fused", "winograd", "both", "all");
        var command = new Command(
            "transforms",
            "Managed-engine transform times (g_a, h_a, h_s, g_s) of bmshj2018-hyperprior N=128 M=192 with random weights, 1 and 2 threads, in the reference and the fused arithmetic; each layer's multiply-adds per second against the machine's measured FMA peak; and the peak memory of a banded decode.")
        {
            json, runs, width, height, memoryWidth, memoryHeight, skipMemory, memoryChild, arithmetic,
        };

        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            int w = result.GetValue(width), h = result.GetValue(height), mw = result.GetValue(memoryWidth), mh = result.GetValue(memoryHeight);
            int runCount = result.GetValue(runs);
            if (w < 1 || h < 1 || mw < 1 || mh < 1 || runCount < 1)
            {
                error.WriteLine("error: sizes and --runs must be at least 1");
                return 1;
            }

            if (result.GetValue(memoryChild) is string modelPath)
            {
                output.WriteLine(TransformBenchmark.MeasureDecodePeakMemory(modelPath, mw, mh, bandRows: 4, threads: Environment.ProcessorCount).ToString("F1", CultureInfo.InvariantCulture));
                return 0;
            }

            ManagedArithmetic[] arithmetics = result.GetValue(arithmetic) switch
            {
                "reference" => [ManagedArithmetic.Reference],
                "fused" => [ManagedArithmetic.Fused],
                "winograd" => [ManagedArithmetic.Winograd],
                "all" => [ManagedArithmetic.Reference, ManagedArithmetic.Fused, ManagedArithmetic.Winograd],
                _ => [ManagedArithmetic.Reference, ManagedArithmetic.Fused],
            };
            int[] threadCounts = [1, 2];
            var peaks = new Dictionary<int, double>();
            foreach (int t in threadCounts)
            {
                error.Write($"\rFMA peak, {t} thread(s)      ");
                peaks[t] = FmaPeak.Measure(t, runs: 5);
            }

            NicModelFile model = TransformBenchmark.CreateModel();
            IReadOnlyList<TransformTimings> timings = TransformBenchmark.Time(model, w, h, [.. arithmetics.SelectMany(a => threadCounts.Select(t => (a, t)))], runCount, line => error.Write($"\r{line}      "));

            double? peak = null;
            if (!result.GetValue(skipMemory))
            {
                error.Write($"\rpeak memory: decoding {mw}×{mh} in a child process      ");
                peak = MeasureInChildProcess(mw, mh, error);
            }

            error.Write("\r" + new string(' ', 60) + "\r");
            if (result.GetValue(json))
            {
                var document = new BenchTransformsJson(
                    "transforms",
                    "bmshj2018-hyperprior N=128 M=192 (random weights)",
                    w,
                    h,
                    FmaPeak.VectorBits,
                    [.. peaks.Select(p => new BenchFmaPeakJson(p.Key, BenchStatistics.Significant(p.Value / 1e9)))],
                    [.. timings.Select(t => new BenchTransformsRunJson(
                        t.Arithmetic.ToString().ToLowerInvariant(),
                        t.Threads,
                        BenchStatistics.Significant(t.AnalysisSeconds),
                        BenchStatistics.Significant(t.HyperAnalysisSeconds),
                        BenchStatistics.Significant(t.HyperSynthesisSeconds),
                        BenchStatistics.Significant(t.SynthesisSeconds),
                        CompressAiDecodeSeconds.GetValueOrDefault(t.Threads),
                        [.. t.Layers.Select(l => new BenchTransformsLayerJson(
                            l.Name,
                            l.Kind,
                            l.MultiplyAdds,
                            BenchStatistics.Significant(l.Seconds),
                            BenchStatistics.Significant(l.MultiplyAddsPerSecond / 1e9),
                            Math.Round(l.MultiplyAddsPerSecond / peaks[t.Threads], 4)))]))],
                    peak is double p ? Math.Round(p, 1) : null,
                    mw,
                    mh);
                output.Write(NicJsonContext.Format(document, NicJsonContext.Default.BenchTransformsJson));
            }
            else
            {
                output.WriteLine($"nic bench transforms — bmshj2018-hyperprior N=128 M=192 (random weights), {w}×{h}, median of {runCount} runs");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FMA peak ({FmaPeak.VectorBits}-bit vectors): {string.Join(", ", peaks.Select(p => $"{p.Value / 1e9:F1} G multiply-adds/s on {p.Key} thread(s)"))}"));
                output.WriteLine();
                output.WriteLine("arithmetic  threads    g_a s    h_a s    h_s s    g_s s   h_s+g_s s   vs CompressAI decode*");
                foreach (TransformTimings t in timings)
                {
                    double decode = t.HyperSynthesisSeconds + t.SynthesisSeconds;
                    output.WriteLine($"{t.Arithmetic.ToString().ToLowerInvariant(),-10}  {t.Threads,7}  {t.AnalysisSeconds,7:F3}  {t.HyperAnalysisSeconds,7:F3}  {t.HyperSynthesisSeconds,7:F3}  {t.SynthesisSeconds,7:F3}  {decode,10:F3}   {CompressAiDecodeSeconds[t.Threads] / decode,5:F1}× faster");
                }

                output.WriteLine();
                output.WriteLine("per layer: G multiply-adds/s (share of the FMA peak of the same thread count)");
                output.WriteLine($"{"layer",-8} {"kind",-26} {"G MAC",7}  {string.Join("  ", timings.Select(t => $"{t.Arithmetic.ToString().ToLowerInvariant() + "/" + t.Threads,16}"))}");
                foreach (var (first, i) in timings[0].Layers.Select((l, i) => (l, i)).Where(x => x.l.MultiplyAdds > 0))
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{first.Name,-8} {first.Kind,-26} {first.MultiplyAdds / 1e9,7:F3}  {string.Join("  ", timings.Select(t => $"{t.Layers[i].MultiplyAddsPerSecond / 1e9,7:F1} ({t.Layers[i].MultiplyAddsPerSecond / peaks[t.Threads],5:P0})"))}"));
                }

                output.WriteLine();
                output.WriteLine(peak is double mb ? $"peak memory, banded decode of {mw}×{mh}: {mb:F0} MiB" : "peak memory: skipped");
                output.WriteLine("* CompressAI bmshj2018-hyperprior PyTorch CPU decode reference for this machine class (docs/performance.md), not measured in this run.");
            }

            return 0;
        });
        return command;
    }

    /// <summary>CompressAI bmshj2018-hyperprior (N=128, M=192) on a 768×512 image, PyTorch CPU (docs/performance.md): encode and decode seconds by thread count.</summary>
    private static readonly Dictionary<int, (double Encode, double Decode)> CompressAiCodecSeconds = new() { [1] = (1.3, 2.3), [2] = (1.0, 1.8) };

    private static Command CreateCodec(TransformBackends backends)
    {
        var image = new Argument<FileInfo>("IMAGE") { Description = "The image to encode and decode (PNG, JPEG, PPM…)." };
        var model = new Option<string?>("--model") { Description = "A model or family name (default: the default model)." };
        var rate = new RateOptions(targets: false);
        var runs = new Option<int>("--runs") { Description = "Timed encodes and decodes; the medians are reported.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var skipMemory = new Option<bool>("--skip-memory") { Description = "Skip the peak-memory runs." };
        var memoryChild = new Option<string?>("--memory-child") { Description = "Internal: run one encode or decode in this process and print its peak memory in MiB.", Hidden = true };
        var memoryFile = new Option<string?>("--memory-file") { Description = "Internal: the .nic file the decode child decodes.", Hidden = true };
        var mirrorTo = new Option<string?>("--mirror-to") { Description = "Repeat IMAGE by mirroring to WIDTHxHEIGHT first (e.g. 4000x3000: a 12-megapixel photo-like case made of a real photo, not noise)." };
        var peer = new Option<string?>("--peer")
        {
            Description = "Also time a peer engine's transforms on the same model and image, in turns with Nic, and print Nic's time over the peer's: "
                + "torch (libtorch through TorchSharp on the CPU, the engine PyTorch runs on, with as many threads; nic-torch only): g_a and h_a against Nic's "
                + "whole encode, g_s against its whole decode, on the whole frame as PyTorch code runs them, with no entropy coding.",
        };
        peer.AcceptOnlyFromAmong("torch");
        var shared = new CodecCommandOptions(backends);
        var command = new Command("codec", "Encode and decode one image: median seconds, useful multiply-adds per second against the measured FMA peak, peak memory (each in a fresh child process), bpp and PSNR.")
        {
            image, model, runs, json, skipMemory, memoryChild, memoryFile, mirrorTo, peer,
        };
        rate.AddTo(command);
        shared.AddTo(command);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            int runCount = result.GetValue(runs);
            if (runCount < 1)
            {
                error.WriteLine("error: --runs must be at least 1");
                return ExitCodes.UsageOrFile;
            }

            (int Width, int Height)? mirror = null;
            if (result.GetValue(mirrorTo) is string size)
            {
                string[] parts = size.Split('x');
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int mw) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int mh)
                    || mw < 1 || mh < 1 || (long)mw * mh > NicCodecOptions.DefaultMaxDecodePixels)
                {
                    error.WriteLine($"error: --mirror-to must be WIDTHxHEIGHT with at most {NicCodecOptions.DefaultMaxDecodePixels:N0} pixels, not '{size}'");
                    return ExitCodes.UsageOrFile;
                }

                mirror = (mw, mh);
            }

            bool withPeer = result.GetValue(peer) is not null;
            if (withPeer && backends.Torch is null)
            {
                error.WriteLine("error: --peer torch times libtorch, which the nic tool does not carry (about 480 MB); run the same command with nic-torch: "
                    + "`dotnet run --project src/TorchCli -c Release -- bench codec IMAGE --peer torch`");
                return ExitCodes.UsageOrFile;
            }

            if (withPeer && result.GetValue(shared.Backend) != TransformBackend.Managed)
            {
                error.WriteLine("error: --peer torch compares the managed engine with libtorch; leave --backend at managed");
                return ExitCodes.UsageOrFile;
            }

            Nic.Codec.Imaging.RgbImage ReadImage(string path)
            {
                Nic.Codec.Imaging.RgbImage read = Nic.Cli.Imaging.ImageFiles.Read(path);
                return mirror is (int w, int h) ? Nic.Cli.Conformance.ConformanceGenerator.Mirror(read, w, h) : read;
            }

            try
            {
                NicCodec codec = shared.CreateCodec(result);
                NicEncodeOptions options = rate.Build(result, result.GetValue(model));
                string imagePath = result.GetValue(image)!.FullName;
                switch (result.GetValue(memoryChild))
                {
                    case "encode":
                        codec.Encode(ReadImage(imagePath), options);
                        output.WriteLine(PeakMemory.ResidentMegabytes().ToString("F1", CultureInfo.InvariantCulture));
                        return ExitCodes.Success;
                    case "decode":
                        codec.DecodeFileAsync(result.GetValue(memoryFile)!).GetAwaiter().GetResult();
                        output.WriteLine(PeakMemory.ResidentMegabytes().ToString("F1", CultureInfo.InvariantCulture));
                        return ExitCodes.Success;
                }

                Nic.Codec.Imaging.RgbImage picture = ReadImage(imagePath);
                RateOptions.Check(codec, options);
                Nic.Codec.Catalog.NicModelEntry entry = codec.ResolveModel(options);
                var progress = new ProgressLine(error, "bench codec");
                int threads = result.GetValue(shared.Threads) ?? Environment.ProcessorCount;
                progress.Status($"FMA peak, {threads} thread(s)");
                double fmaPeak = FmaPeak.Measure(threads, runs: 5);
                ManagedModel counted = ManagedModel.Create(entry.File, 1);
                using TransformPeer? transformPeer = withPeer ? new TransformPeer(backends.Torch!(threads), entry.File, counted.HasHyperprior, picture) : null;
                CodecBenchmarkResult figures = CodecBenchmark.Run(codec, picture, options, runCount, progress.Status, transformPeer);
                BenchCodecPeerJson? peerFigures = figures.Peer is not { } timedPeer ? null : new BenchCodecPeerJson(
                    "torch",
                    transformPeer!.Backend,
                    threads,
                    "g_a + h_a (encode), g_s (decode), whole frame, no entropy coding",
                    BenchStatistics.Significant(timedPeer.EncodeSeconds),
                    BenchStatistics.Significant(timedPeer.DecodeSeconds),
                    Math.Round(timedPeer.PsnrDb, 3),
                    Math.Round(figures.EncodeSeconds / timedPeer.EncodeSeconds, 3),
                    Math.Round(figures.DecodeSeconds / timedPeer.DecodeSeconds, 3));
                progress.Finish();

                double? encodePeak = null, decodePeak = null;
                if (!result.GetValue(skipMemory))
                {
                    string[] common = ["bench", "codec", imagePath, "--model", entry.Name, .. shared.BackendArguments(result), .. ModelDirectoryArguments(result, shared)];
                    if (mirror is (int w, int h))
                    {
                        common = [.. common, "--mirror-to", string.Create(CultureInfo.InvariantCulture, $"{w}x{h}")];
                    }

                    if (result.GetValue(shared.Threads) is int t)
                    {
                        common = [.. common, "--threads", t.ToString(CultureInfo.InvariantCulture)];
                    }

                    if (options.Quality is double q)
                    {
                        // A model interpolated between trained points is named by its family: the child needs the quality too.
                        common = [.. common, "--quality", q.ToString("R", CultureInfo.InvariantCulture)];
                    }

                    encodePeak = PeakMemory.MeasureInChild([.. common, "--memory-child", "encode"], error);
                    string nicPath = Path.Combine(Path.GetTempPath(), $"nic-bench-codec-{Environment.ProcessId}.nic");
                    File.WriteAllBytes(nicPath, figures.File);
                    try
                    {
                        decodePeak = PeakMemory.MeasureInChild([.. common, "--memory-child", "decode", "--memory-file", nicPath], error);
                    }
                    finally
                    {
                        File.Delete(nicPath);
                    }
                }

                // Useful multiply-adds, each counted once (a decode band's halo rows are not): encode runs g_a, h_a and h_s,
                // decode h_s and g_s, on the image padded to the model's alignment; both run the context networks (if any).
                int alignment = entry.File.Architecture.Geometry?.Alignment ?? 1;
                var work = counted.MultiplyAdds((picture.Width + alignment - 1) / alignment * alignment, (picture.Height + alignment - 1) / alignment * alignment);
                double? encodeRate = work is { } e ? (e.Analysis + e.HyperAnalysis + e.HyperSynthesis + e.Context) / figures.EncodeSeconds : null;
                double? decodeRate = work is { } d ? (d.HyperSynthesis + d.Synthesis + d.Context) / figures.DecodeSeconds : null;
                (double Encode, double Decode)? reference = CompressAiCodecSeconds.TryGetValue(threads, out var r) ? r : null;
                double? peak = encodePeak is null && decodePeak is null ? null : Math.Max(encodePeak ?? 0, decodePeak ?? 0);
                if (result.GetValue(json))
                {
                    var document = new BenchCodecJson(
                        "codec",
                        imagePath,
                        picture.Width,
                        picture.Height,
                        Math.Round(picture.PixelCount / 1e6, 3),
                        entry.Name,
                        entry.RatePoint,
                        codec.Backend,
                        threads,
                        runCount,
                        BenchStatistics.Significant(figures.EncodeSeconds),
                        BenchStatistics.Significant(figures.DecodeSeconds),
                        peak is double p ? Math.Round(p, 1) : null,
                        encodePeak is double ep ? Math.Round(ep, 1) : null,
                        decodePeak is double dp ? Math.Round(dp, 1) : null,
                        figures.File.Length,
                        Math.Round(figures.BitsPerPixel, 5),
                        Math.Round(figures.PsnrDb, 3),
                        reference?.Encode,
                        reference?.Decode,
                        FmaPeak.VectorBits,
                        BenchStatistics.Significant(fmaPeak / 1e9),
                        work is { } wj ? wj.Analysis + wj.HyperAnalysis + wj.HyperSynthesis + wj.Context : null,
                        work is { } wd ? wd.HyperSynthesis + wd.Synthesis + wd.Context : null,
                        encodeRate is double er ? BenchStatistics.Significant(er / 1e9) : null,
                        decodeRate is double dr ? BenchStatistics.Significant(dr / 1e9) : null,
                        encodeRate is double es ? Math.Round(es / fmaPeak, 4) : null,
                        decodeRate is double ds ? Math.Round(ds / fmaPeak, 4) : null,
                        peerFigures,
                        figures.EncodeStages.ToDictionary(stage => stage.Key, stage => BenchStatistics.Significant(stage.Value)),
                        figures.DecodeStages.ToDictionary(stage => stage.Key, stage => BenchStatistics.Significant(stage.Value)));
                    output.Write(NicJsonContext.Format(document, NicJsonContext.Default.BenchCodecJson));
                }
                else
                {
                    output.WriteLine($"nic bench codec — {Path.GetFileName(imagePath)} {picture.Width}×{picture.Height} ({picture.PixelCount / 1e6:F2} MP), model {entry.Name}, {codec.Backend}, {threads} thread(s), median of {runCount} runs");
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"encode {figures.EncodeSeconds:F3} s   decode {figures.DecodeSeconds:F3} s   {figures.File.Length:N0} bytes   {figures.BitsPerPixel:F4} bpp   PSNR {figures.PsnrDb:F2} dB"));
                    if (figures.EncodeStages.Count > 0)
                    {
                        static string Stages(IReadOnlyDictionary<string, double> stages) => string.Join(", ", stages.Select(stage => string.Create(CultureInfo.InvariantCulture, $"{stage.Key} {stage.Value:F3} s")));
                        output.WriteLine($"stages (median, spans of the codec's activities): encode {Stages(figures.EncodeStages)}{(figures.DecodeStages.Count > 0 ? $"; decode {Stages(figures.DecodeStages)}" : "")}");
                    }

                    if (encodeRate is double er2 && decodeRate is double dr2)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"multiply-adds/s: encode {er2 / 1e9:F1} G ({er2 / fmaPeak:P0} of peak), decode {dr2 / 1e9:F1} G ({dr2 / fmaPeak:P0}); FMA peak {fmaPeak / 1e9:F1} G/s on {threads} thread(s), {FmaPeak.VectorBits}-bit"));
                    }

                    output.WriteLine(peak is null ? "peak memory: skipped" : string.Create(CultureInfo.InvariantCulture, $"peak memory: encode {encodePeak:F0} MiB, decode {decodePeak:F0} MiB (each in a fresh process)"));
                    if (peerFigures is { } p2)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peer {p2.Backend}, libtorch's transforms alone on the whole frame ({p2.Threads} thread(s), timed in turns with Nic): g_a + h_a {p2.EncodeS:F3} s   g_s {p2.DecodeS:F3} s   PSNR of g_s(round(y)) {p2.PsnrDb:F2} dB"));
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Nic's whole encode and decode over the peer's transforms: encode {p2.EncodeRatio:F2}×, decode {p2.DecodeRatio:F2}×"));
                    }

                    if (reference is { } c)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* CompressAI bmshj2018-hyperprior N=128/M=192 on a 768×512 image, PyTorch CPU, {threads} thread(s): encode {c.Encode} s, decode {c.Decode} s (docs/performance.md; not measured in this run)"));
                    }
                }

                return ExitCodes.Success;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    private static Command CreateParallel(TransformBackends backends)
    {
        var image = new Argument<FileInfo>("IMAGE") { Description = "The image every round trip encodes and decodes (PNG, JPEG, PPM…)." };
        var tasks = new Option<string>("--tasks") { Description = "The numbers of concurrent tasks to measure, comma-separated.", DefaultValueFactory = _ => "1,2,32" };
        var rounds = new Option<int>("--rounds") { Description = "Round trips (encode, then decode) each task runs per run.", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per task count; the median is reported.", DefaultValueFactory = _ => 3 };
        var model = new Option<string?>("--model") { Description = "A model or family name (default: the default model)." };
        var rate = new RateOptions(targets: false);
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var shared = new CodecCommandOptions(backends);
        var command = new Command(
            "parallel",
            "Throughput of one shared codec under concurrent load: images/s of encode+decode round trips for 1, 2 and 32 concurrent tasks (median of runs). Every round trip is checked against a sequential one; the command exits with 2 if one differs.")
        {
            image, tasks, rounds, runs, model, json,
        };
        rate.AddTo(command);
        shared.AddTo(command);
        command.SetAction(result =>
        {
            TextWriter output = result.InvocationConfiguration.Output;
            TextWriter error = result.InvocationConfiguration.Error;
            int[]? counts = ParseCounts(result.GetValue(tasks));
            int roundCount = result.GetValue(rounds), runCount = result.GetValue(runs);
            if (counts is null || roundCount < 1 || runCount < 1)
            {
                error.WriteLine("error: --tasks must be positive integers separated by commas, and --rounds and --runs at least 1");
                return ExitCodes.UsageOrFile;
            }

            try
            {
                NicCodec codec = shared.CreateCodec(result);
                NicEncodeOptions options = rate.Build(result, result.GetValue(model));
                string imagePath = result.GetValue(image)!.FullName;
                Nic.Codec.Imaging.RgbImage picture = Nic.Cli.Imaging.ImageFiles.Read(imagePath);
                RateOptions.Check(codec, options);
                Nic.Codec.Catalog.NicModelEntry entry = codec.ResolveModel(options);
                var progress = new ProgressLine(error, "bench parallel");
                ParallelBenchmarkResult figures = ParallelBenchmark.Run(codec, picture, options, counts, roundCount, runCount, progress.Status);
                progress.Finish();
                int threads = result.GetValue(shared.Threads) ?? Environment.ProcessorCount;
                double single = figures.Points[0].ImagesPerSecond;
                if (result.GetValue(json))
                {
                    var document = new BenchParallelJson(
                        "parallel",
                        imagePath,
                        picture.Width,
                        picture.Height,
                        Math.Round(picture.PixelCount / 1e6, 3),
                        entry.Name,
                        entry.RatePoint,
                        codec.Backend,
                        threads,
                        Environment.ProcessorCount,
                        roundCount,
                        runCount,
                        figures.FileBytes,
                        figures.DifferingRoundTrips == 0,
                        [.. figures.Points.Select(p => new BenchParallelPointJson(
                            p.Tasks,
                            p.RoundTrips,
                            BenchStatistics.Significant(p.ImagesPerSecond),
                            BenchStatistics.Significant(p.MedianSeconds),
                            [.. p.RunSeconds.Select(r => BenchStatistics.Significant(r))],
                            Math.Round(p.ImagesPerSecond / single, 3)))]);
                    output.Write(NicJsonContext.Format(document, NicJsonContext.Default.BenchParallelJson));
                }
                else
                {
                    output.WriteLine($"nic bench parallel — {Path.GetFileName(imagePath)} {picture.Width}×{picture.Height} ({picture.PixelCount / 1e6:F2} MP), model {entry.Name}, {codec.Backend}, {threads} thread(s) per call, {Environment.ProcessorCount} processor(s), {roundCount} round trip(s) per task, median of {runCount} runs");
                    output.WriteLine();
                    output.WriteLine("  tasks  round trips   images/s    median s   vs first");
                    foreach (ParallelBenchmarkPoint p in figures.Points)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Tasks,7}  {p.RoundTrips,11}  {p.ImagesPerSecond,9:F3}  {p.MedianSeconds,10:F3}  {p.ImagesPerSecond / single,8:F2}×"));
                    }

                    output.WriteLine();
                    output.WriteLine(figures.DifferingRoundTrips == 0
                        ? "every concurrent round trip gave the sequential file and pixels"
                        : $"{figures.DifferingRoundTrips} concurrent round trip(s) differed from the sequential one");
                }

                return figures.DifferingRoundTrips == 0 ? ExitCodes.Success : ExitCodes.InvalidData;
            }
            catch (Exception e) when (CommandErrors.IsReported(e) || e is ArgumentException)
            {
                return CommandErrors.Report(e, error);
            }
        });
        return command;
    }

    /// <summary>"1,2,32" as positive integers; null when any part is not one.</summary>
    private static int[]? ParseCounts(string? text)
    {
        var counts = new List<int>();
        foreach (string part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            {
                return null;
            }

            counts.Add(count);
        }

        return counts.Count == 0 ? null : [.. counts];
    }

    private static IEnumerable<string> ModelDirectoryArguments(ParseResult result, CodecCommandOptions shared) =>
        (result.GetValue(shared.ModelDirectories) ?? []).SelectMany(d => new[] { "--models", d });

    private static double? MeasureInChildProcess(int width, int height, TextWriter error)
    {
        string modelPath = Path.Combine(Path.GetTempPath(), $"nic-bench-{Environment.ProcessId}.safetensors");
        File.WriteAllBytes(modelPath, TransformBenchmark.CreateModelBytes());
        try
        {
            return PeakMemory.MeasureInChild(
                ["bench", "transforms", "--memory-width", width.ToString(CultureInfo.InvariantCulture), "--memory-height", height.ToString(CultureInfo.InvariantCulture), "--decode-memory-child", modelPath],
                error);
        }
        finally
        {
            File.Delete(modelPath);
        }
    }

    private static void WriteTable(TextWriter output, List<CoderBenchmarkResult> results, int count, int runs)
    {
        output.WriteLine($"nic bench coder — {count:N0} symbols per range, median of {runs} runs, 1 thread, 64-bit rANS, 16-bit CDFs");
        output.WriteLine();
        output.WriteLine("range  encode Msym/s  decode Msym/s  bits/sym  ideal bits/sym  overhead %  vs CompressAI rANS* enc / dec");
        foreach (CoderBenchmarkResult r in results)
        {
            (double encode, double decode) = CompressAiReference[r.Range];
            output.WriteLine(
                $"{r.Range,-5}  {r.EncodeMsymS,13:F1}  {r.DecodeMsymS,13:F1}  {r.BitsPerSymbol,8:F4}  {r.IdealBitsPerSymbol,14:F4}  {r.OverheadPct,10:F5}  {r.EncodeMsymS / encode,10:F1}× / {r.DecodeMsymS / decode:F1}×");
        }

        output.WriteLine();
        output.WriteLine("* CompressAI 1.2.4 C++ rANS reference figures for this machine class (docs/performance.md), not measured in this run.");
    }

    private static void WriteJson(TextWriter output, List<CoderBenchmarkResult> results, int count, int runs)
    {
        var document = new BenchCoderJson(
            "coder",
            count,
            runs,
            1,
            [.. results.Select(r => new BenchCoderRangeJson(
                r.Range,
                Math.Round(r.EncodeMsymS, 3),
                Math.Round(r.DecodeMsymS, 3),
                r.BitsPerSymbol,
                r.IdealBitsPerSymbol,
                r.OverheadPct,
                CompressAiReference[r.Range].Encode,
                CompressAiReference[r.Range].Decode))]);
        output.Write(NicJsonContext.Format(document, NicJsonContext.Default.BenchCoderJson));
    }
}
