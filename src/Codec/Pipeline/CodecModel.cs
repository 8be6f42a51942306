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
    public CodecModel(NicModelFile file, IInferenceBackend backend, ManagedModel managed)
    {
        Geometry = file.Architecture.Geometry
            ?? throw new NicCodecException(NicCodecError.UnsupportedModel, $"model {file.Id} is {file.Architecture}, which has no image latent: it does not code RGB images");
        File = file;
        Backend = backend;
        Managed = managed;
        Bottleneck = EntropyBottleneckCoder.FromModel(file);
        Gaussian = file.Architecture.HasGaussianConditional ? GaussianConditionalCoder.FromModel(file) : null;
        ChannelContext = ChannelContextCoder.FromModel(file, managed.Parallelism);
    }

    public NicModelFile File { get; }

    public IInferenceBackend Backend { get; }

    public ManagedModel Managed { get; }

    /// <summary>Codes ẑ with a hyperprior, y without.</summary>
    public EntropyBottleneckCoder Bottleneck { get; }

    /// <summary>Codes y for the hyperprior models; null for the factorized prior.</summary>
    public GaussianConditionalCoder? Gaussian { get; }

    /// <summary>
    /// Codes y for the architectures with a channel-conditional context model (spec/nic-coding.md §10.3), in place of
    /// <see cref="Gaussian"/>; null for the others.
    /// </summary>
    public ChannelContextCoder? ChannelContext { get; }

    public bool HasHyperprior => Gaussian is not null;

    /// <summary>The architecture's geometry (spec/nic-model.md §4.1), derived from its layers.</summary>
    public ModelGeometry Geometry { get; }

    /// <summary>The padding alignment written into headers and required of them: 64 with a hyperprior, 16 without.</summary>
    public int Alignment => Geometry.Alignment;

    /// <summary>Image rows (and columns) per latent row of y: 16.</summary>
    public int LatentFactor => Geometry.LatentFactor;

    /// <summary>Image rows (and columns) per row of z: 64; 0 without a hyperprior.</summary>
    public int HyperLatentFactor => Geometry.HyperLatentFactor;

    /// <summary>N: the channels of the transforms (and of z).</summary>
    public int N => File.HyperParameters.N;

    /// <summary>M: the channels of y.</summary>
    public int M => File.HyperParameters.M;
}
