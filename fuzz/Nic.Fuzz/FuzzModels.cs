using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Fuzz;

/// <summary>
/// The small random models the decode target's seed streams are coded with: one per image architecture (N = 8,
/// M = 12, so a decode takes milliseconds; the channel-conditional ones with 4 slices, one of them in checkerboard passes) and a <c>tfc-mnist</c> one that cannot code images. They come from
/// <see cref="ModelFactory"/> with fixed seeds, so their bytes and SHA-256 — which the seed streams name — are the same
/// on every machine. If <see cref="ModelFactory"/> ever changes its output, the seed streams stop reaching the decoder;
/// the smoke run says so and <c>nic-fuzz seeds</c> writes them anew.
/// </summary>
internal static class FuzzModels
{
    private static readonly Lazy<IReadOnlyList<NicModelFile>> Files = new(Create);

    /// <summary>The image models, by name.</summary>
    public static IReadOnlyList<(string Name, ModelArchitectureKind Architecture)> ImageModels { get; } =
    [
        ("fuzz-bmshj2018-factorized", ModelArchitectureKind.Bmshj2018Factorized),
        ("fuzz-bmshj2018-hyperprior", ModelArchitectureKind.Bmshj2018Hyperprior),
        ("fuzz-mbt2018-mean", ModelArchitectureKind.Mbt2018Mean),
        ("fuzz-mbt2018-mean-cc", ModelArchitectureKind.Mbt2018MeanChannelContext),
        ("fuzz-mbt2018-mean-cc-cb", ModelArchitectureKind.Mbt2018MeanChannelContext),
    ];

    /// <summary>
    /// The seed of each image model's weights, in the order of <see cref="ImageModels"/>: 7001 … 7003, then 7005 for the
    /// channel-conditional model added after tfc-mnist took 7004 and 7006 for its checkerboard twin, so that the earlier
    /// models' bytes (and the seed streams that name them) stay the same.
    /// </summary>
    private static readonly int[] ImageModelSeeds = [7001, 7002, 7003, 7005, 7006];

    /// <summary>
    /// Whether each image model, in the order of <see cref="ImageModels"/>, codes its slices in checkerboard passes
    /// (<c>context_checkerboard</c> 1, spec/nic-coding.md §10.3); with the hyper-parameters the factory gives the
    /// channel-conditional architecture for N = 8, M = 12 (4 slices, H = 12, K = 3); the others take the factory's as they are.
    /// </summary>
    private static readonly bool[] ImageModelCheckerboards = [false, false, false, false, true];

    /// <summary>
    /// The shipped model that the conformance suite's container, size, band and metadata streams (seeds here) name: the
    /// generator's <c>ConformanceGenerator.SuiteModel</c> in Nic.Cli, which this project does not reference.
    /// </summary>
    public const string ConformanceModel = "nic-mbt2018-mean-q4";

    /// <summary>The seed of the tfc-mnist model's weights.</summary>
    private const int MnistModelSeed = 7004;

        /// <summary>The model files, image models first.</summary>
    public static IReadOnlyList<NicModelFile> All => Files.Value;

    /// <summary>A catalog of the shipped models (for the conformance streams) and the fuzz models.</summary>
    public static NicModelCatalog CreateCatalog(bool includeShippedModels)
    {
        var catalog = new NicModelCatalog(includeShippedModels: includeShippedModels);
        foreach (NicModelFile file in All)
        {
            catalog.Add(file);
        }

        return catalog;
    }

    private static IReadOnlyList<NicModelFile> Create()
    {
        var files = new List<NicModelFile>();
        for (int i = 0; i < ImageModels.Count; i++)
        {
            (string name, ModelArchitectureKind architecture) = ImageModels[i];
            files.Add(NicModelFile.Load(ImageModelCheckerboards[i]
                ? ModelFactory.CreateRandom(architecture, ModelHyperParameters.ForChannelContext(8, 12, 4, 12, 3) with { ContextCheckerboard = 1 }, ImageModelSeeds[i], name, ratePoint: 1)
                : ModelFactory.CreateRandom(architecture, 8, 12, ImageModelSeeds[i], name, ratePoint: 1)));
        }

        files.Add(NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.TfcMnist, 0, 10, MnistModelSeed, "fuzz-tfc-mnist", ratePoint: 1)));
        return files;
    }
}
