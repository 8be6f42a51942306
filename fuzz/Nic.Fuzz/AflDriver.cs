using SharpFuzz;

namespace Nic.Fuzz;

/// <summary>
/// Coverage-guided fuzzing with afl-fuzz through SharpFuzz: <see cref="Instrument"/> adds AFL's edge counters to the
/// Nic assemblies of a copy of the build output, and <see cref="Run"/> is the fork server afl-fuzz starts
/// (<c>afl-fuzz … -- dotnet Nic.Fuzz.dll afl TARGET</c>). The out-of-process server runs the target in a child
/// process, which it restarts when the child dies, so a hang (killed by afl-fuzz) does not end the campaign.
/// </summary>
internal static class AflDriver
{
    /// <summary>Serves afl-fuzz: every input it sends runs through the target; an escaping exception is a crash.</summary>
    /// <param name="createTarget">
    /// Creates the target inside the fork server's child: instrumented code must not run before SharpFuzz has mapped
    /// afl-fuzz's shared memory, which its counters write to.
    /// </param>
    public static void Run(Func<FuzzTarget> createTarget)
    {
        FuzzTarget? target = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            if (target is null)
            {
                target = createTarget();
                target.Prepare();
            }

            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            target.Execute(memory.ToArray());
        });
    }

    /// <summary>Instruments assemblies in place: every type whose full name starts with <c>Nic.</c>.</summary>
    /// <returns>0, or 1 when an assembly could not be instrumented.</returns>
    public static int Instrument(IEnumerable<string> assemblies, TextWriter output)
    {
        int status = 0;
        foreach (string path in assemblies)
        {
            try
            {
                int types = Fuzzer.Instrument(path, type => type.StartsWith("Nic.", StringComparison.Ordinal), Options.Value).Count();
                output.WriteLine($"instrumented {path}: {types} types");
            }
            catch (InstrumentationException e)
            {
                output.WriteLine($"error: {path}: {e.Message}");
                status = 1;
            }
        }

        return status;
    }
}
