using System.Globalization;

namespace Nic.Fuzz;

/// <summary>
/// The fuzzing tool of the Nic SDK (fuzz/README.md):
/// <c>run TARGET|all</c> (in-process mutation fuzzing for a fixed time),
/// <c>afl TARGET</c> (the afl-fuzz fork server),
/// <c>replay TARGET PATH…</c> (runs saved inputs once each),
/// <c>instrument ASSEMBLY…</c> (adds afl-fuzz instrumentation in place),
/// <c>seeds</c> (writes the seed corpus) and <c>targets</c>.
/// Exit codes: 0 no finding, 1 a finding, 2 bad usage.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          Nic.Fuzz run TARGET|all [--seconds N] [--seed S] [--corpus DIR] [--findings DIR] [--hang-seconds N]
          Nic.Fuzz afl TARGET
          Nic.Fuzz replay TARGET FILE|DIR... [--hang-seconds N] [--findings DIR]
          Nic.Fuzz instrument ASSEMBLY...
          Nic.Fuzz seeds [--conformance DIR] [--out DIR]
          Nic.Fuzz targets
        """;

    private static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["run", string target, .. var rest] => Run(target, Options.Parse(rest)),
                ["afl", string target] => Afl(target),
                ["replay", string target, .. var rest] => Replay(target, Options.Parse(rest)),
                ["instrument", .. var assemblies] when assemblies.Length > 0 => AflDriver.Instrument(assemblies, Console.Out),
                ["seeds", .. var rest] => Seeds(Options.Parse(rest)),
                ["targets"] => ListTargets(),
                _ => UsageError(null),
            };
        }
        catch (ArgumentException e)
        {
            return UsageError(e.Message);
        }
    }

    private static int Run(string target, Options options)
    {
        IReadOnlyList<string> names = target == "all" ? FuzzTargets.Names : [target];
        int status = 0;
        foreach (string name in names)
        {
            FuzzTarget fuzzTarget = FuzzTargets.Create(name);
            var seeds = LoadInputs([Path.Combine(options.Get("corpus", "fuzz/corpus"), name)]);
            if (seeds.Count == 0)
            {
                throw new ArgumentException($"the corpus of {name} is empty");
            }

            var runner = new SmokeRunner
            {
                Target = fuzzTarget,
                Seeds = seeds,
                Duration = TimeSpan.FromSeconds(options.GetDouble("seconds", 30)),
                Seed = (int)options.GetDouble("seed", 1),
                HangLimit = TimeSpan.FromSeconds(options.GetDouble("hang-seconds", 10)),
                Findings = new FindingStore(options.Get("findings", "artifacts/fuzz/findings"), name),
            };
            status = Math.Max(status, runner.Run(Console.Out));
        }

        return status;
    }

    private static int Afl(string target)
    {
        if (!FuzzTargets.Names.Contains(target))
        {
            throw new ArgumentException($"no fuzz target '{target}'; the targets are {string.Join(", ", FuzzTargets.Names)}");
        }

        AflDriver.Run(() => FuzzTargets.Create(target));
        return 0;
    }

    private static int Replay(string target, Options options)
    {
        FuzzTarget fuzzTarget = FuzzTargets.Create(target);
        var inputs = LoadInputs(options.Positional);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("no inputs to replay");
        }

        fuzzTarget.Prepare();
        var findings = new FindingStore(options.Get("findings", "artifacts/fuzz/replay"), target);
        using var watchdog = new Watchdog(TimeSpan.FromSeconds(options.GetDouble("hang-seconds", 10)), findings, Console.Out);
        int found = 0;
        foreach ((string name, byte[] data) in inputs)
        {
            (string? outcome, Exception? finding) = watchdog.Run(fuzzTarget, data);
            if (finding is null)
            {
                Console.WriteLine($"{name}: {outcome}");
            }
            else
            {
                found++;
                Console.WriteLine($"{name}: FINDING {finding.GetType().Name}: {finding.Message}");
                Console.WriteLine($"  {FindingStore.FirstNicFrame(finding)}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target}: {inputs.Count} inputs replayed, slowest {watchdog.Slowest.TotalMilliseconds:F0} ms, {found} findings"));
        return found == 0 ? 0 : 1;
    }

    private static int Seeds(Options options)
    {
        SeedCorpus.Write(options.Get("conformance", "conformance"), options.Get("out", "fuzz/corpus"), Console.Out);
        return 0;
    }

    private static int ListTargets()
    {
        foreach (string name in FuzzTargets.Names)
        {
            Console.WriteLine($"{name,-9} {FuzzTargets.Create(name).Description}");
        }

        return 0;
    }

    private static int UsageError(string? message)
    {
        if (message is not null)
        {
            Console.Error.WriteLine($"error: {message}");
        }

        Console.Error.WriteLine(Usage);
        return 2;
    }

    /// <summary>Every file named, or inside a folder named (not recursive), sorted by path.</summary>
    private static List<(string Name, byte[] Data)> LoadInputs(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.GetFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith(".txt", StringComparison.Ordinal)));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new ArgumentException($"no file or folder '{path}'");
            }
        }

        return files.Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f))).ToList();
    }

    /// <summary><c>--name value</c> options and positional arguments.</summary>
    private sealed class Options
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public List<string> Positional { get; } = [];

        public static Options Parse(IReadOnlyList<string> args)
        {
            var options = new Options();
            for (int i = 0; i < args.Count; i++)
            {
                if (args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{args[i]} needs a value");
                    }

                    options._values[args[i][2..]] = args[++i];
                }
                else
                {
                    options.Positional.Add(args[i]);
                }
            }

            return options;
        }

        public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

        public double GetDouble(string name, double fallback) =>
            !_values.TryGetValue(name, out string? text) ? fallback
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 ? value
            : throw new ArgumentException($"--{name} takes a non-negative number, not '{text}'");
    }
}
