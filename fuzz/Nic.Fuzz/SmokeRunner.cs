using System.Diagnostics;
using System.Globalization;

namespace Nic.Fuzz;

/// <summary>
/// The in-process fuzzer: replays the seed corpus, then mutates it (<see cref="Mutator"/>, from a fixed seed) for a
/// fixed time, keeping every input whose outcome is new as a further base (a crude feedback that needs no
/// instrumentation). Prints executions, executions per second and findings; returns 1 when there was a finding.
/// </summary>
internal sealed class SmokeRunner
{
    /// <summary>The most inputs kept as bases.</summary>
    private const int MaxPool = 4096;

    /// <summary>The target.</summary>
    public required FuzzTarget Target { get; init; }

    /// <summary>The seed inputs.</summary>
    public required IReadOnlyList<(string Name, byte[] Data)> Seeds { get; init; }

    /// <summary>How long to mutate, after the seeds.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The seed of the mutations.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>An execution that lasts longer is a hang.</summary>
    public TimeSpan HangLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where findings are saved.</summary>
    public required FindingStore Findings { get; init; }

    /// <summary>Runs the seeds and the mutations.</summary>
    /// <returns>0 without findings, 1 with.</returns>
    public int Run(TextWriter output)
    {
        Target.Prepare();
        using var watchdog = new Watchdog(HangLimit, Findings, output);
        var outcomes = new HashSet<string>(StringComparer.Ordinal);
        var pool = new List<byte[]>();
        var seedOutcomes = new List<string>();
        foreach ((string name, byte[] data) in Seeds)
        {
            (string? outcome, Exception? finding) = watchdog.Run(Target, data);
            if (finding is not null)
            {
                Report(output, data, finding, $"seed {name}");
                continue;
            }

            seedOutcomes.Add(outcome!);
            outcomes.Add(outcome!);
            pool.Add(data);
        }

        if (Target is DecodeTarget && FuzzModels.ImageModels.FirstOrDefault(m => !seedOutcomes.Any(o => o.StartsWith("image", StringComparison.Ordinal) && o.EndsWith(" " + m.Name, StringComparison.Ordinal))) is { Name: { } missing })
        {
            output.WriteLine($"error: no seed of the decode corpus decodes to an image with {missing}: the seed streams no longer match the fuzz models; write them anew with `Nic.Fuzz seeds`");
            return 1;
        }

        var mutator = new Mutator(Seed);
        var watch = Stopwatch.StartNew();
        long executions = 0;
        while (watch.Elapsed < Duration && pool.Count > 0)
        {
            byte[] input = mutator.Mutate(pool[mutator.Random.Next(pool.Count)], pool[mutator.Random.Next(pool.Count)]);
            (string? outcome, Exception? finding) = watchdog.Run(Target, input);
            executions++;
            if (finding is not null)
            {
                Report(output, input, finding, "mutation");
            }
            else if (outcomes.Add(outcome!) && pool.Count < MaxPool)
            {
                pool.Add(input);
            }
        }

        double seconds = watch.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Target.Name}: {Seeds.Count} seeds, {executions} executions in {seconds:F1} s ({executions / Math.Max(seconds, 1e-9):F0}/s), {outcomes.Count} distinct outcomes, slowest {watchdog.Slowest.TotalMilliseconds:F0} ms, {Findings.Count} findings"));
        return Findings.Count == 0 ? 0 : 1;
    }

    private void Report(TextWriter output, byte[] input, Exception finding, string origin)
    {
        if (Findings.AddCrash(input, finding) is { } path)
        {
            output.WriteLine($"FINDING ({origin}): {finding.GetType().Name}: {finding.Message}");
            output.WriteLine($"  {FindingStore.FirstNicFrame(finding)}");
            output.WriteLine($"  input saved to {path}");
        }
    }
}
