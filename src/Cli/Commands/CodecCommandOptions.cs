using System.CommandLine;
using Nic.Codec.Catalog;
using Nic.Codec.Inference;
using Nic.Codec.Pipeline;
using Nic.Torch.Inference;

namespace Nic.Cli.Commands;

/// <summary>The options every codec command shares: extra model directories, threads and the backend.</summary>
internal sealed class CodecCommandOptions
{
    public Option<string[]> ModelDirectories { get; } = new("--models")
    {
        Description = "A directory of more *.nicm model files; may be repeated. The shipped models are always available.",
        DefaultValueFactory = _ => [],
    };

    public Option<int?> Threads { get; } = new("--threads") { Description = "Threads per encode or decode (default: every processor). Never changes the output." };

    public Option<string> Backend { get; } = new Option<string>("--backend")
    {
        Description = "The engine of the transforms: managed (default; needs nothing else) or torch (TorchSharp on the CPU). Files are identical either way.",
        DefaultValueFactory = _ => "managed",
    }.AcceptOnlyFromAmong("managed", "torch");

    public void AddTo(Command command)
    {
        command.Options.Add(ModelDirectories);
        command.Options.Add(Threads);
        command.Options.Add(Backend);
    }

    /// <summary>The codec these options describe.</summary>
    /// <exception cref="ArgumentException">A directory does not exist or the thread count is below 1.</exception>
    /// <param name="result">The parsed command line.</param>
    /// <param name="bandRows">The encoder's latent rows per band; null for the default.</param>
    /// <param name="configure">Sets more options (the decoder's limits) before they are validated.</param>
    public NicCodec CreateCodec(ParseResult result, int? bandRows = null, Action<NicCodecOptions>? configure = null)
    {
        var options = new NicCodecOptions { Parallelism = result.GetValue(Threads) };
        if (bandRows is int rows)
        {
            options.BandRows = rows;
        }

        configure?.Invoke(options);

        foreach (string directory in result.GetValue(ModelDirectories) ?? [])
        {
            options.ModelDirectories.Add(directory);
        }

        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }

        IInferenceBackendFactory backends = result.GetValue(Backend) == "torch"
            ? new TorchBackendFactory()
            : new ManagedBackendFactory(options.Parallelism);
        return new NicCodec(new NicModelCatalog(options.ModelDirectories), options, backends);
    }
}
