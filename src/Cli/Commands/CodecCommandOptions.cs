using System.CommandLine;
using Nic.Codec.Catalog;
using Nic.Codec.Inference;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>The options every codec command shares: extra model directories, threads and the backend.</summary>
internal sealed class CodecCommandOptions(TransformBackends backends)
{
    public Option<string[]> ModelDirectories { get; } = new("--models")
    {
        Description = "A directory of more *.nicm model files; may be repeated. The shipped models are always available.",
        DefaultValueFactory = _ => [],
    };

    public Option<int?> Threads { get; } = new("--threads")
    {
        Description = "Threads per encode or decode (default: every processor; with --backend torch, libtorch's threads too, for the whole process). "
            + "Never changes the output of effort 1; an effort above 1 depends on libtorch's thread count.",
    };

    public Option<TransformBackend> Backend { get; } = new("--backend")
    {
        Description = "The engine of the transforms: managed (default; needs nothing else) or torch (TorchSharp on the CPU, in nic-torch only). Files are identical either way.",
        DefaultValueFactory = _ => TransformBackend.Managed,
    };

    /// <summary>The managed engine's arithmetic; null (not given) for the managed backend's default.</summary>
    public Option<ManagedArithmetic?> Arithmetic { get; } = new("--arithmetic")
    {
        Description = "The managed engine's arithmetic of g_a, h_a and g_s (spec/nic-model.md §10.2–10.3): winograd (default; fused multiply-adds, and "
            + "g_a's and g_s's largest convolutions by Winograd's minimal filtering, the fastest encoder and decoder), fused (fused multiply-adds), "
            + "both with pixels within the conformance tolerance of the reference decoder's and symbols identical, or reference (the conformance suite's reference "
            + "decoder, whose pixels are the golden images). An encode's file may differ slightly between the three; a decode's symbols never do.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(ModelDirectories);
        command.Options.Add(Threads);
        command.Options.Add(Backend);
        command.Options.Add(Arithmetic);
    }

    /// <summary>The arguments that give a child process the same backend and arithmetic.</summary>
    public IEnumerable<string> BackendArguments(ParseResult result)
    {
        yield return "--backend";
        yield return result.GetValue(Backend).ToString().ToLowerInvariant();
        if (result.GetValue(Arithmetic) is ManagedArithmetic arithmetic)
        {
            yield return "--arithmetic";
            yield return arithmetic.ToString().ToLowerInvariant();
        }
    }

    /// <summary>The codec these options describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the message names its flag), or the backend is not in this tool.</exception>
    /// <param name="result">The parsed command line.</param>
    /// <param name="bandRows">The encoder's latent rows per band; null for the default.</param>
    /// <param name="configure">Sets more options (the decoder's limits) before they are validated.</param>
    /// <param name="effort">The highest encoder effort the command will ask for: above 1 the codec gets the tool's latent optimizer.</param>
    public NicCodec CreateCodec(ParseResult result, int? bandRows = null, Action<NicCodecOptions>? configure = null, int effort = NicEncodeOptions.MinEffort)
    {
        // The command line's own checks first, so that a message names the flag a user typed (not an API property).
        var problems = new List<string>();
        int? threads = result.GetValue(Threads);
        if (threads is < 1)
        {
            problems.Add($"--threads must be at least 1 (default: every processor), not {threads}");
        }

        if (bandRows is < 1 or > NicCodecOptions.MaxBandRows)
        {
            problems.Add($"--band-rows must be 1 … {NicCodecOptions.MaxBandRows}, not {bandRows}");
        }

        if (effort is < NicEncodeOptions.MinEffort or > NicEncodeOptions.MaxEffort)
        {
            problems.Add($"--effort must be {NicEncodeOptions.MinEffort} … {NicEncodeOptions.MaxEffort}, not {effort}");
        }
        else if (effort > NicEncodeOptions.MinEffort && backends.LatentOptimizer is null)
        {
            problems.Add(TransformBackends.OptimizerMissing(effort));
        }

        if (result.GetValue(Arithmetic) is not null && result.GetValue(Backend) != TransformBackend.Managed)
        {
            problems.Add("--arithmetic applies to the managed backend only");
        }

        string[] directories = result.GetValue(ModelDirectories) ?? [];
        problems.AddRange(directories.Where(d => !Directory.Exists(d)).Select(d => $"--models directory '{d}' does not exist"));
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        var options = new NicCodecOptions { Parallelism = threads };
        if (bandRows is int rows)
        {
            options.BandRows = rows;
        }

        if (effort > NicEncodeOptions.MinEffort)
        {
            options.LatentOptimizer = backends.LatentOptimizer!();
        }

        configure?.Invoke(options);
        foreach (string directory in directories)
        {
            options.ModelDirectories.Add(directory);
        }

        // What remains is the commands' own doing (configure), not the user's.
        IReadOnlyList<string> invalid = options.Validate();
        if (invalid.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", invalid));
        }

        IInferenceBackendFactory factory = result.GetValue(Backend) switch
        {
            TransformBackend.Torch => backends.Torch?.Invoke(threads ?? Environment.ProcessorCount) ?? throw new ArgumentException(TransformBackends.TorchMissing),
            _ => result.GetValue(Arithmetic) is ManagedArithmetic arithmetic
                ? new ManagedBackendFactory(options.Parallelism) { Arithmetic = arithmetic }
                : new ManagedBackendFactory(options.Parallelism),
        };
        return new NicCodec(new NicModelCatalog(options.ModelDirectories), options, factory);
    }
}
