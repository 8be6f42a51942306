using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Fuzz;

/// <summary>
/// The small random models the decode target's seed streams are coded with: one per image architecture (N = 8,
/// M = 12, so a decode takes milliseconds; the channel-conditional one with 4 slices) and a <c>tfc-mnist</c> one that cannot code images. They come from
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
    ];

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
        // Seeds 7001 … 7003 for the first three image models and 7004 for tfc-mnist, as before the channel-conditional
        // model (seed 7005) was added, so that the earlier models' bytes and seed streams stay the same.
        int seed = 7001;
        foreach ((string name, ModelArchitectureKind architecture) in ImageModels)
        {
            int modelSeed = architecture == ModelArchitectureKind.Mbt2018MeanChannelContext ? 7005 : seed++;
            files.Add(NicModelFile.Load(ModelFactory.CreateRandom(architecture, 8, 12, modelSeed, name, ratePoint: 1)));
        }

        files.Add(NicModelFile.Load(ModelFactory.CreateRandom(ModelArchitectureKind.TfcMnist, 0, 10, seed, "fuzz-tfc-mnist", ratePoint: 1)));
        return files;
    }
}
