using Nic.Codec.EntropyModels;
using Nic.Codec.Inference;
using Nic.Codec.Models;

namespace Nic.Codec.Pipeline;

/// <summary>
/// Everything the pipeline needs of one model, built once and shared by every call: the backend for g_a, h_a and g_s,
/// the managed engine for h_s (the entropy path is always managed, spec/nic-model.md §10), and the entropy coders.
/// </summary>
internal sealed class CodecModel
{
    /// <summary>The image side length the padded image must be a multiple of: 64 with a hyperprior (g_a and h_a each halve four and two times), 16 without.</summary>
    public const int HyperpriorAlignment = 64;

    /// <summary>Latent rows (and columns) per image rows: g_a halves the image four times.</summary>
    public const int LatentFactor = 16;

    public CodecModel(NicModelFile file, IInferenceBackend backend, ManagedModel managed)
    {
        if (!file.Architecture.UsesChannels)
        {
            throw new NicCodecException(NicCodecError.UnsupportedModel, $"model {file.Id} is {file.Architecture}, which codes 28×28 digits, not RGB images");
        }

        File = file;
        Backend = backend;
        Managed = managed;
        Bottleneck = EntropyBottleneckCoder.FromModel(file);
        Gaussian = file.Architecture.HasGaussianConditional ? GaussianConditionalCoder.FromModel(file) : null;
        Alignment = Gaussian is null ? LatentFactor : HyperpriorAlignment;
    }

    public NicModelFile File { get; }

    public IInferenceBackend Backend { get; }

    public ManagedModel Managed { get; }

    /// <summary>Codes ẑ with a hyperprior, y without.</summary>
    public EntropyBottleneckCoder Bottleneck { get; }

    /// <summary>Codes y for the hyperprior models; null for the factorized prior.</summary>
    public GaussianConditionalCoder? Gaussian { get; }

    public bool HasHyperprior => Gaussian is not null;

    /// <summary>The padding alignment written into headers and required of them.</summary>
    public int Alignment { get; }

    /// <summary>N: the channels of the transforms (and of z).</summary>
    public int N => File.HyperParameters.N;

    /// <summary>M: the channels of y.</summary>
    public int M => File.HyperParameters.M;
}
