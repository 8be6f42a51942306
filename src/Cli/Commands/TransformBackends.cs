using Nic.Codec;
using Nic.Codec.Inference;

namespace Nic.Cli.Commands;

/// <summary>The values of <c>--backend</c>.</summary>
internal enum TransformBackend
{
    /// <summary>The managed engine, the reference: needs nothing else.</summary>
    Managed,

    /// <summary>TorchSharp on the CPU (nic-torch only).</summary>
    Torch,
}

/// <summary>
/// The transform backends a tool offers for <c>--backend</c> besides the managed engine. <c>nic</c> carries none (it
/// never loads libtorch); <c>nic-torch</c> (src/TorchCli) adds TorchSharp.
/// </summary>
/// <param name="Torch">
/// Makes the TorchSharp backend with this many libtorch threads (<c>--threads</c>, every processor by default; libtorch has
/// one count per process); null where the tool does not carry it.
/// </param>
/// <param name="LatentOptimizer">Makes the latent optimizer of <c>--effort</c> above 1; null where the tool does not carry it.</param>
internal sealed record TransformBackends(Func<int, IInferenceBackendFactory>? Torch, Func<ILatentOptimizer>? LatentOptimizer = null)
{
    /// <summary>What <c>nic</c> offers: the managed engine alone.</summary>
    public static TransformBackends ManagedOnly { get; } = new(Torch: null);

    /// <summary>The answer to <c>--effort</c> above 1 in a tool without a latent optimizer: where it is.</summary>
    public static string OptimizerMissing(int effort) =>
        $"--effort {effort}: efforts above 1 search for better latents with Nic.Torch (libtorch, about 480 MB), which the nic tool does not carry. "
        + $"Use nic-torch, every nic command plus libtorch: `dotnet run --project src/TorchCli -c Release -- encode IN -o OUT.nic --effort {effort}`; "
        + "in an application, reference the Nic.Torch package and a libtorch package and set NicCodecOptions.LatentOptimizer to a "
        + "Nic.Torch.Inference.TorchLatentOptimizer. Effort 1 (the default) needs nothing else; files of every effort decode with nic.";

    /// <summary>The answer to <c>--backend torch</c> in a tool without it: where the backend is.</summary>
    public const string TorchMissing =
        "--backend torch: the nic tool does not carry the TorchSharp backend (libtorch is about 480 MB). It is in nic-torch, "
        + "every nic command plus training: run it from a clone with `dotnet run --project src/TorchCli -c Release -- <command> … --backend torch`; "
        + "in an application, reference the Nic.Torch package and a libtorch package (e.g. libtorch-cpu-linux-x64) and give "
        + "NicCodec a Nic.Torch.Inference.TorchBackendFactory. The managed backend (the default) writes the same files.";
}
