namespace Nic.Codec.Models;

/// <summary>
/// Describes one model architecture: its identifier, and for given hyper-parameters the exact list of tensors a model
/// file must (or may) hold, with CompressAI's state-dict names and shapes (spec/nic-model.md §4).
/// </summary>
public sealed class ModelArchitecture
{
    private static readonly ModelArchitecture[] Architectures =
    [
        new(ModelArchitectureKind.Bmshj2018Factorized, "bmshj2018-factorized"),
        new(ModelArchitectureKind.Bmshj2018Hyperprior, "bmshj2018-hyperprior"),
        new(ModelArchitectureKind.Mbt2018Mean, "mbt2018-mean"),
        new(ModelArchitectureKind.TfcMnist, "tfc-mnist"),
    ];

    private ModelArchitecture(ModelArchitectureKind kind, string identifier)
    {
        Kind = kind;
        Identifier = identifier;
    }

    /// <summary>Every architecture, in the order of <see cref="ModelArchitectureKind"/>.</summary>
    public static IReadOnlyList<ModelArchitecture> All => Architectures;

    /// <summary>The architecture.</summary>
    public ModelArchitectureKind Kind { get; }

    /// <summary>The identifier stored in the metadata key <c>architecture</c>, e.g. <c>bmshj2018-hyperprior</c>.</summary>
    public string Identifier { get; }

    /// <summary>True for the CompressAI architectures, whose hyper-parameters are N and M.</summary>
    public bool UsesChannels => Kind != ModelArchitectureKind.TfcMnist;

    /// <summary>True when y is coded with a Gaussian conditional (a hyperprior architecture).</summary>
    public bool HasGaussianConditional => Kind is ModelArchitectureKind.Bmshj2018Hyperprior or ModelArchitectureKind.Mbt2018Mean;

    /// <summary>True when the model has an entropy bottleneck (every CompressAI architecture).</summary>
    public bool HasEntropyBottleneck => UsesChannels;

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
        return Kind switch
        {
            ModelArchitectureKind.Bmshj2018Factorized => hyperParameters.M,
            ModelArchitectureKind.TfcMnist => 0,
            _ => hyperParameters.N,
        };
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

        var specs = ModelTensorCatalog.Build(Kind, hyperParameters);
        specs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return specs;
    }

    /// <inheritdoc />
    public override string ToString() => Identifier;

    /// <summary>Null when the hyper-parameters suit this architecture, else the reason they do not.</summary>
    internal string? CheckHyperParameters(ModelHyperParameters? hyperParameters)
    {
        if (hyperParameters is null)
        {
            return "hyper-parameters are required";
        }

        const int max = ModelHyperParameters.MaxChannels;
        if (UsesChannels)
        {
            if (hyperParameters.N is < 1 or > max || hyperParameters.M is < 1 or > max || hyperParameters.LatentDimensions != 0)
            {
                return $"{Identifier} needs 1 ≤ N, M ≤ {max} and no latent dimensions (got N={hyperParameters.N}, M={hyperParameters.M}, latent_dims={hyperParameters.LatentDimensions})";
            }
        }
        else if (hyperParameters.LatentDimensions is < 1 or > max || hyperParameters.N != 0 || hyperParameters.M != 0)
        {
            return $"{Identifier} needs 1 ≤ latent_dims ≤ {max} and no N or M (got N={hyperParameters.N}, M={hyperParameters.M}, latent_dims={hyperParameters.LatentDimensions})";
        }

        return null;
    }
}
