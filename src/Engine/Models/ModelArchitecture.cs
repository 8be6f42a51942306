using Nic.Codec.Models.Architectures;

namespace Nic.Codec.Models;

/// <summary>
/// One model architecture (spec/nic-model.md §4): its identifier, its hyper-parameters, the exact list of tensors a model
/// file must (or may) hold for them, with CompressAI's state-dict names and shapes, its layer graphs, the rule by which
/// y is coded, and the geometry derived from its layers. Each architecture is one definition, a class in
/// <c>src/Engine/Models/Architectures</c> deriving from this one; the catalog, the managed engine, the encoder, the
/// decoder and Nic.Torch read it instead of branching on <see cref="Kind"/>.
/// </summary>
public abstract class ModelArchitecture
{
    private static readonly ModelArchitecture[] Architectures =
    [
        new Bmshj2018FactorizedArchitecture(),
        new Bmshj2018HyperpriorArchitecture(),
        new Mbt2018MeanArchitecture(),
        new TfcMnistArchitecture(),
        new Mbt2018MeanChannelContextArchitecture(),
    ];

    private readonly Lazy<ModelGeometry?> _geometry;

    /// <summary>Starts a definition.</summary>
    /// <param name="kind">The architecture.</param>
    /// <param name="identifier">The identifier stored in the metadata key <c>architecture</c>.</param>
    private protected ModelArchitecture(ModelArchitectureKind kind, string identifier)
    {
        Kind = kind;
        Identifier = identifier;
        _geometry = new Lazy<ModelGeometry?>(() =>
        {
            ModelHyperParameters hp = NominalHyperParameters;
            return ModelGeometry.Derive(AnalysisPlan(hp), SynthesisPlan(hp), HyperAnalysisPlan(hp), HyperSynthesisPlan(hp));
        });
    }

    /// <summary>Every architecture, in the order of <see cref="ModelArchitectureKind"/>.</summary>
    public static IReadOnlyList<ModelArchitecture> All => Architectures;

    /// <summary>The architecture.</summary>
    public ModelArchitectureKind Kind { get; }

    /// <summary>The identifier stored in the metadata key <c>architecture</c>, e.g. <c>bmshj2018-hyperprior</c>.</summary>
    public string Identifier { get; }

    /// <summary>True for the CompressAI architectures, whose hyper-parameters are N and M (those with an image latent, <see cref="HasImageLatent"/>).</summary>
    public bool UsesChannels => HasImageLatent;

    /// <summary>
    /// True when the latent y is a feature map aligned with the image (<see cref="Geometry"/> is not null): the
    /// architectures that code RGB images. False for tfc-mnist's dense latent.
    /// </summary>
    public bool HasImageLatent => Geometry is not null;

    /// <summary>True when y is coded with a Gaussian conditional (a hyperprior architecture).</summary>
    public bool HasGaussianConditional => EntropyParameters != EntropyParameterRule.None;

    /// <summary>True when the model has an entropy bottleneck (every CompressAI architecture).</summary>
    public bool HasEntropyBottleneck => BottleneckChannels(NominalHyperParameters) > 0;

    /// <summary>
    /// How the latents line up with the image (latent factor, alignment, analysis and synthesis halos), derived from the
    /// kernel sizes and strides of the layer graphs; null for an architecture without an image latent (tfc-mnist).
    /// </summary>
    public ModelGeometry? Geometry => _geometry.Value;

    /// <summary>What h_s gives the coding of y: nothing (no hyperprior), the scales, or the scales and the means.</summary>
    internal abstract EntropyParameterRule EntropyParameters { get; }

    /// <summary>The channels of the model's input and of g_s's output: 3 for the image architectures.</summary>
    internal virtual int ImageChannels => 3;

    /// <summary>True when h_a takes |y| rather than y (the scale hyperprior).</summary>
    internal virtual bool HyperAnalysisTakesMagnitude => false;

    /// <summary>The distortion a new model file of this architecture is trained for, unless set otherwise.</summary>
    internal virtual ModelDistortion DefaultDistortion => ModelDistortion.Mse;

    /// <summary>The λ that <see cref="ModelFactory"/> writes into a random model file of this architecture.</summary>
    internal virtual double RandomModelLambda => 0.013;

    /// <summary>Hyper-parameters that suit the architecture (the smallest), from which the geometry is derived: kernels and strides do not depend on them.</summary>
    private protected abstract ModelHyperParameters NominalHyperParameters { get; }

    /// <summary>The descriptor of an architecture.</summary>
    /// <param name="kind">The architecture.</param>
    /// <returns>Its descriptor.</returns>
    public static ModelArchitecture Get(ModelArchitectureKind kind) =>
        (uint)kind < (uint)Architectures.Length
            ? Architectures[(int)kind]
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a model architecture");

    /// <summary>Finds an architecture by its identifier (ordinal, case-sensitive).</summary>
    /// <param name="identifier">For example <c>mbt2018-mean</c>.</param>
    /// <param name="architecture">The descriptor, when found.</param>
    /// <returns>True when the identifier names an architecture.</returns>
    public static bool TryParse(string? identifier, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelArchitecture? architecture)
    {
        architecture = Array.Find(Architectures, a => a.Identifier == identifier);
        return architecture is not null;
    }

    /// <summary>The channel count of the entropy bottleneck: M for <c>bmshj2018-factorized</c>, N for the hyperpriors, 0 for <c>tfc-mnist</c>.</summary>
    /// <param name="hyperParameters">The model's hyper-parameters.</param>
    /// <returns>The number of bottleneck channels (and of its tables).</returns>
    public int EntropyBottleneckChannels(ModelHyperParameters hyperParameters)
    {
        ArgumentNullException.ThrowIfNull(hyperParameters);
        return BottleneckChannels(hyperParameters);
    }

    /// <summary>
    /// The tensors a model file of this architecture holds for the given hyper-parameters, ordered by name (ordinal).
    /// Required tensors must all be present; optional ones are CompressAI's constant buffers, which a converted
    /// checkpoint may keep.
    /// </summary>
    /// <param name="hyperParameters">The model's hyper-parameters.</param>
    /// <returns>The tensor specifications.</returns>
    /// <exception cref="ArgumentException">The hyper-parameters do not suit this architecture.</exception>
    public IReadOnlyList<ModelTensorSpec> GetTensors(ModelHyperParameters hyperParameters)
    {
        string? problem = CheckHyperParameters(hyperParameters);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(hyperParameters));
        }

        var specs = new List<ModelTensorSpec>();
        foreach (NetworkPlan? network in Networks(hyperParameters!))
        {
            if (network is null)
            {
                continue;
            }

            foreach (LayerPlan layer in network.Layers)
            {
                specs.AddRange(layer.Tensors());
            }
        }

        AddEntropyModelTensors(specs, hyperParameters!);
        specs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return specs;
    }

    /// <inheritdoc />
    public override string ToString() => Identifier;

    /// <summary>Null when the hyper-parameters suit this architecture, else the reason they do not.</summary>
    internal abstract string? CheckHyperParameters(ModelHyperParameters? hyperParameters);

    /// <summary>The hyper-parameters of <see cref="ModelFactory"/>'s (N, M) arguments.</summary>
    internal abstract ModelHyperParameters HyperParametersFor(int n, int m);

    /// <summary>The hyper-parameters a model file's metadata states, each count read by <paramref name="count"/>(key).</summary>
    internal abstract ModelHyperParameters ReadHyperParameters(Func<string, int> count);

    /// <summary>Writes the hyper-parameters into a model file's metadata (the keys <see cref="ReadHyperParameters"/> reads).</summary>
    internal abstract void WriteHyperParameters(ModelHyperParameters hyperParameters, IDictionary<string, string> metadata);

    /// <summary>The channels of the entropy bottleneck, 0 for none.</summary>
    internal abstract int BottleneckChannels(ModelHyperParameters hyperParameters);

    /// <summary>The tables of a per-dimension prior of y (<c>prior.</c>, tfc-mnist's logistic), 0 for none.</summary>
    internal virtual int PriorDimensions(ModelHyperParameters hyperParameters) => 0;

    /// <summary>g_a: the image to y.</summary>
    internal abstract NetworkPlan AnalysisPlan(ModelHyperParameters hyperParameters);

    /// <summary>g_s: ŷ to the reconstruction.</summary>
    internal abstract NetworkPlan SynthesisPlan(ModelHyperParameters hyperParameters);

    /// <summary>h_a: y (or |y|) to z; null without a hyperprior.</summary>
    internal virtual NetworkPlan? HyperAnalysisPlan(ModelHyperParameters hyperParameters) => null;

    /// <summary>h_s: ẑ to the entropy parameters of y (always in the reference arithmetic); null without a hyperprior.</summary>
    internal virtual NetworkPlan? HyperSynthesisPlan(ModelHyperParameters hyperParameters) => null;

    /// <summary>
    /// The networks of a channel-conditional context model (spec/nic-model.md §4.6), always in the reference arithmetic:
    /// entry k − 1 is <c>context.{k}</c>, which gives slice k of y its entropy parameters from the slices before it, and
    /// with the checkerboard passes entry S − 1 + k is <c>spatial.{k}</c>, which gives the non-anchors of slice k theirs
    /// (spec/nic-coding.md §10.3, <c>ChannelContextCoder</c>); empty for an architecture without one.
    /// </summary>
    internal virtual IReadOnlyList<NetworkPlan> ContextPlans(ModelHyperParameters hyperParameters) => [];

    /// <summary>Adds the entropy models' tensors (bottleneck, Gaussian conditional, prior).</summary>
    private protected abstract void AddEntropyModelTensors(List<ModelTensorSpec> specs, ModelHyperParameters hyperParameters);

    /// <summary>True when any of the context model's sizes is set (an architecture without a context model refuses that).</summary>
    private protected static bool HasContextSizes(ModelHyperParameters hyperParameters) =>
        hyperParameters.ContextSlices != 0 || hyperParameters.ContextHidden != 0 || hyperParameters.ContextKernel != 0
        || hyperParameters.ContextCheckerboard != 0;

    private NetworkPlan?[] Networks(ModelHyperParameters hyperParameters) =>
        [AnalysisPlan(hyperParameters), SynthesisPlan(hyperParameters), HyperAnalysisPlan(hyperParameters), HyperSynthesisPlan(hyperParameters), .. ContextPlans(hyperParameters)];
}
