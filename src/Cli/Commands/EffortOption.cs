using System.CommandLine;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>--effort N</c> of the commands that encode (<c>encode</c>, <c>batch encode</c>): the encoder effort of
/// <see cref="NicEncodeOptions.Effort"/>. Above 1 the codec needs the tool's latent optimizer, which only nic-torch
/// carries (<see cref="CodecCommandOptions.CreateCodec"/> says so, exit 1); <c>eval</c> takes several efforts instead.
/// </summary>
internal static class EffortOption
{
    public static Option<int> Create() => new("--effort")
    {
        Description = $"Encoder effort {NicEncodeOptions.MinEffort} … {NicEncodeOptions.MaxEffort}: 1 (default) codes the analysis transform's latents; higher efforts search longer for latents with a lower rate + λ·distortion (same model, same decoder; nic-torch only).",
        DefaultValueFactory = _ => NicEncodeOptions.MinEffort,
    };
}
