using System.CommandLine;
using Nic.Codec;

namespace Nic.Cli.Commands;

/// <summary>
/// <c>--max-pixels</c> and <c>--max-memory</c> of the commands that decode (<c>decode</c>, <c>batch decode</c>): the
/// decoder's limits (SECURITY.md), checked before anything of the size a file declares is allocated.
/// </summary>
/// <param name="refusal">How the command refuses such a file, for the help text (e.g. "Refuse", "Refuse (as a failed item)").</param>
internal sealed class DecodeLimitOptions(string refusal = "Refuse")
{
    public Option<long> MaxPixels { get; } = new("--max-pixels")
    {
        Description = $"{refusal} a file of more pixels than this, before decoding it (default {NicCodecOptions.DefaultMaxDecodePixels:N0}).",
        DefaultValueFactory = _ => NicCodecOptions.DefaultMaxDecodePixels,
    };

    public Option<long> MaxMemory { get; } = new("--max-memory")
    {
        Description = $"{refusal} a file whose decode is estimated to need more MiB than this, before decoding it (default {NicCodecOptions.DefaultMaxDecodeMemoryBytes >> 20}).",
        DefaultValueFactory = _ => NicCodecOptions.DefaultMaxDecodeMemoryBytes >> 20,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxPixels);
        command.Options.Add(MaxMemory);
    }

    /// <summary>Sets the limits on <paramref name="options"/> (for <see cref="CodecCommandOptions.CreateCodec"/>'s configure).</summary>
    /// <exception cref="ArgumentException">A limit below 1; the message names the flags.</exception>
    public void Apply(ParseResult result, NicCodecOptions options)
    {
        long pixels = result.GetValue(MaxPixels), megabytes = result.GetValue(MaxMemory);
        if (pixels < 1 || megabytes < 1)
        {
            throw new ArgumentException($"--max-pixels and --max-memory must be at least 1 (got {pixels} and {megabytes})");
        }

        options.MaxDecodePixels = pixels;
        options.MaxDecodeMemoryBytes = megabytes > long.MaxValue >> 20 ? long.MaxValue : megabytes << 20;
    }
}
