using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Nic.Codec.Models;

namespace Nic.Torch.Cli.Commands;

/// <summary>The <c>--arch</c> option of the commands that build image models (<c>train image</c>, <c>bench train</c>).</summary>
internal static class ImageArchitectureOption
{
    /// <summary>The identifiers of the architectures with an image latent (today bmshj2018-factorized, bmshj2018-hyperprior, mbt2018-mean).</summary>
    private static readonly string Names = string.Join(", ", ModelArchitecture.All.Where(a => a.HasImageLatent && Nic.Torch.Models.ImageModels.CanCreate(a)).Select(a => a.Identifier));

    public static Option<string> Create() =>
        new("--arch") { Description = $"The image architecture: {Names}.", DefaultValueFactory = _ => "bmshj2018-hyperprior" };

    /// <summary>The architecture the option names; false, with an error line written, for anything but an image architecture.</summary>
    public static bool TryGet(ParseResult result, Option<string> option, TextWriter error, [NotNullWhen(true)] out ModelArchitecture? architecture)
    {
        string? text = result.GetValue(option);
        if (ModelArchitecture.TryParse(text, out architecture) && architecture.HasImageLatent && Nic.Torch.Models.ImageModels.CanCreate(architecture))
        {
            return true;
        }

        architecture = null;
        error.WriteLine($"error: unknown image architecture '{text}' ({Names})");
        return false;
    }
}
