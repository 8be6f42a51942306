using System.CommandLine;
using System.Text.Json;
using Nic.Cli.Bench;
using Nic.Codec.Entropy;

namespace Nic.Cli.Commands;

/// <summary><c>nic bench …</c>: benchmarks that print figures (and JSON with <c>--json</c>).</summary>
internal static class BenchCommand
{
    /// <summary>
    /// CompressAI 1.2.4's C++ rANS on this machine class (shared/anchors.md): encode and decode M symbols/s for the
    /// same three index ranges. They were not measured in this run; the ratios against them are indicative.
    /// </summary>
    private static readonly Dictionary<string, (double Encode, double Decode)> CompressAiReference = new()
    {
        ["0-63"] = (15, 14),
        ["0-31"] = (15, 40),
        ["0-15"] = (15, 45),
    };

    public static Command Create()
    {
        var bench = new Command("bench", "Run a benchmark and print its figures.");
        bench.Subcommands.Add(CreateCoder());
        return bench;
    }

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
        output.WriteLine("* CompressAI 1.2.4 C++ rANS reference figures for this machine class (shared/anchors.md), not measured in this run.");
    }

    private static void WriteJson(TextWriter output, List<CoderBenchmarkResult> results, int count, int runs)
    {
        var document = new
        {
            benchmark = "coder",
            symbols = count,
            runs,
            threads = 1,
            results = results.Select(r => new
            {
                range = r.Range,
                encode_msym_s = Math.Round(r.EncodeMsymS, 3),
                decode_msym_s = Math.Round(r.DecodeMsymS, 3),
                bits_per_symbol = r.BitsPerSymbol,
                ideal_bits_per_symbol = r.IdealBitsPerSymbol,
                overhead_pct = r.OverheadPct,
                reference_compressai_encode_msym_s = CompressAiReference[r.Range].Encode,
                reference_compressai_decode_msym_s = CompressAiReference[r.Range].Decode,
            }),
        };
        output.WriteLine(JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
    }
}
