using System.Text.RegularExpressions;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec.Tests.Inference;

namespace Nic.Codec.Tests.Models;

/// <summary>
/// Each architecture is one definition (src/Engine/Models/Architectures, spec/nic-model.md §4): its geometry derived from
/// its layers, its tensor list the one the shipped model files hold, and no code outside the definitions (and the Torch
/// modules) branching on <see cref="ModelArchitectureKind"/>.
/// </summary>
[Collection(nameof(VectorWidthCollection))]
public partial class ArchitectureDefinitionTests
{
    [Theory]
    [InlineData(ModelArchitectureKind.Bmshj2018Factorized, 0, 16)]
    [InlineData(ModelArchitectureKind.Bmshj2018Hyperprior, 64, 64)]
    [InlineData(ModelArchitectureKind.Mbt2018Mean, 64, 64)]
    [InlineData(ModelArchitectureKind.Mbt2018MeanChannelContext, 64, 64)]
    public void TheGeometryDerivedFromTheLayersIsTheCodecs(ModelArchitectureKind kind, int hyperLatentFactor, int alignment)
    {
        ModelArchitecture architecture = ModelArchitecture.Get(kind);
        ModelGeometry geometry = Assert.IsType<ModelGeometry>(architecture.Geometry);
        Assert.True(architecture.HasImageLatent);
        Assert.Equal(16, geometry.LatentFactor);
        Assert.Equal(hyperLatentFactor, geometry.HyperLatentFactor);
        Assert.Equal(alignment, geometry.Alignment);
        Assert.Equal(2, geometry.AnalysisHalo);
        Assert.Equal(2, geometry.SynthesisHalo);
    }

    [Fact]
    public void TheDigitModelHasNoImageLatent()
    {
        ModelArchitecture architecture = ModelArchitecture.Get(ModelArchitectureKind.TfcMnist);
        Assert.Null(architecture.Geometry);
        Assert.False(architecture.HasImageLatent);
        Assert.False(architecture.UsesChannels);
        Assert.False(architecture.HasEntropyBottleneck);
        Assert.False(architecture.HasGaussianConditional);
        ManagedModel model = ManagedModel.Create(ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 10, seed: 1), 1);
        Assert.Equal((0, 0, 1), (model.SynthesisFactor, model.SynthesisHalo, model.OutputChannels));
    }

    /// <summary>
    /// The analysis halo is the least that makes a band of g_a run on a window of the image equal full-frame g_a: with it
    /// the band's latent rows are bit-identical, with one row less some differ.
    /// </summary>
    [Theory]
    [InlineData(ModelArchitectureKind.Bmshj2018Factorized)]
    [InlineData(ModelArchitectureKind.Mbt2018Mean)]
    public void TheAnalysisHaloIsTheLeastThatKeepsABandExact(ModelArchitectureKind kind)
    {
        NicModelFile file = ModelFactory.LoadRandom(kind, 8, 8, seed: 11);
        ModelGeometry geometry = file.Architecture.Geometry!;
        ManagedModel model = ManagedModel.Create(file, 1);
        int factor = geometry.LatentFactor, latentRows = 12, first = 5, rows = 3;
        FeatureMap image = LayerTests.RandomMap(new Random(2), 3, latentRows * factor, 3 * factor);
        FeatureMap full = model.Analyze(image);

        bool BandIsExact(int halo)
        {
            FeatureMap window = model.Analyze(image.SliceRows((first - halo) * factor, (rows + (2 * halo)) * factor));
            return RowsEqual(full, first, window, halo, rows);
        }

        Assert.True(BandIsExact(geometry.AnalysisHalo));
        Assert.False(BandIsExact(geometry.AnalysisHalo - 1));
    }

    /// <summary>The synthesis halo is the least that makes g_s on a window of latent rows equal full-frame g_s on the window's own rows.</summary>
    [Theory]
    [InlineData(ModelArchitectureKind.Bmshj2018Factorized)]
    [InlineData(ModelArchitectureKind.Bmshj2018Hyperprior)]
    public void TheSynthesisHaloIsTheLeastThatKeepsABandExact(ModelArchitectureKind kind)
    {
        NicModelFile file = ModelFactory.LoadRandom(kind, 8, 8, seed: 12);
        ModelGeometry geometry = file.Architecture.Geometry!;
        ManagedModel model = ManagedModel.Create(file, 1);
        int factor = geometry.LatentFactor, first = 5, rows = 3;
        FeatureMap yHat = LayerTests.RandomMap(new Random(3), 8, 12, 3);
        FeatureMap full = model.Synthesize(yHat);

        bool BandIsExact(int halo)
        {
            FeatureMap window = model.Synthesize(yHat.SliceRows(first - halo, rows + (2 * halo)));
            return RowsEqual(full, first * factor, window, halo * factor, rows * factor);
        }

        Assert.True(BandIsExact(geometry.SynthesisHalo));
        Assert.False(BandIsExact(geometry.SynthesisHalo - 1));
        Assert.Equal((geometry.LatentFactor, geometry.SynthesisHalo), (model.SynthesisFactor, model.SynthesisHalo));
    }

    /// <summary>h_a divides the latent by the hyper-latent factor over the latent factor, and h_s brings it back.</summary>
    [Fact]
    public void TheHyperLatentFactorIsHaAndHsStrides()
    {
        NicModelFile file = ModelFactory.LoadRandom(ModelArchitectureKind.Mbt2018Mean, 8, 8, seed: 13);
        ModelGeometry geometry = file.Architecture.Geometry!;
        ManagedModel model = ManagedModel.Create(file, 1);
        FeatureMap image = LayerTests.RandomMap(new Random(4), 3, 2 * geometry.Alignment, geometry.Alignment);
        FeatureMap y = model.Analyze(image);
        FeatureMap z = model.HyperAnalyze(y);
        Assert.Equal((image.Height / geometry.LatentFactor, image.Width / geometry.LatentFactor), (y.Height, y.Width));
        Assert.Equal((image.Height / geometry.HyperLatentFactor, image.Width / geometry.HyperLatentFactor), (z.Height, z.Width));
        EntropyParameters parameters = model.HyperSynthesize(z);
        Assert.Equal((y.Channels, y.Height, y.Width), (parameters.Scales.Channels, parameters.Scales.Height, parameters.Scales.Width));
        Assert.NotNull(parameters.Means);
    }

    /// <summary>Each shipped model file holds exactly its definition's tensors: every required one, nothing unknown, every shape and type as listed.</summary>
    [Theory]
    [InlineData("nic-bmshj2018-hyperprior.nicm", ModelArchitectureKind.Bmshj2018Hyperprior)]
    [InlineData("nic-mbt2018-mean.nicm", ModelArchitectureKind.Mbt2018Mean)]
    [InlineData("mnist/tfc-mnist-l2000.nicm", ModelArchitectureKind.TfcMnist)]
    public void TheShippedModelFilesHoldTheirDefinitionsTensors(string path, ModelArchitectureKind kind)
    {
        string full = Path.Combine(NicModelFamilyTests.RepositoryRoot(), "models", path);
        IReadOnlyList<NicModelFile> files = kind == ModelArchitectureKind.TfcMnist
            ? [NicModelFile.Load(full)]
            : NicModelFamily.Load(full).Points;
        foreach (NicModelFile file in files)
        {
            Assert.Same(ModelArchitecture.Get(kind), file.Architecture);
            IReadOnlyList<ModelTensorSpec> specs = file.Architecture.GetTensors(file.HyperParameters);
            var byName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
            Assert.All(specs.Where(s => s.Required), s => Assert.Contains(s.Name, file.TensorNames));
            foreach (string name in file.TensorNames)
            {
                Assert.True(byName.TryGetValue(name, out ModelTensorSpec? spec), $"{path}: {name} is not in the {kind} tensor list");
                ModelTensor tensor = file.GetTensor(name);
                Assert.True(spec.Matches(tensor.Shape), $"{path}: {name} is {ModelTensor.FormatShape(tensor.Shape)}, listed {spec.FormatShape()}");
                Assert.Equal(spec.ElementType, tensor.ElementType);
            }
        }
    }

    /// <summary>
    /// No source file outside the definitions (src/Engine/Models/Architectures) and the Torch modules (src/Torch/Models)
    /// branches on the architecture kind or asks <c>UsesChannels</c>: they read what the definition says instead.
    /// </summary>
    [Fact]
    public void NoCodeOutsideTheDefinitionsBranchesOnTheArchitectureKind()
    {
        // The scan finds what it looks for.
        Assert.Matches(KindBranch(), "if (file.Architecture.Kind == ModelArchitectureKind.TfcMnist)");
        Assert.Matches(KindBranch(), "            case ModelArchitectureKind.Mbt2018Mean:");
        Assert.Matches(KindBranch(), "        ModelArchitectureKind.Bmshj2018Hyperprior => new SequentialLayers(");
        Assert.Matches(KindBranch(), "return file.Architecture.Kind switch");
        Assert.Matches(KindBranch(), "HasGaussianConditional => Kind is ModelArchitectureKind.Bmshj2018Hyperprior or ModelArchitectureKind.Mbt2018Mean;");
        Assert.Matches(KindBranch(), "Distortion = architecture == ModelArchitectureKind.TfcMnist ? ModelDistortion.Mae : ModelDistortion.Mse;");
        Assert.Matches(KindBranch(), "if (!file.Architecture.UsesChannels)");
        Assert.DoesNotMatch(KindBranch(), "ModelFactory.CreateRandom(ModelArchitectureKind.Bmshj2018Hyperprior, 128, 192, seed: 1)");
        Assert.DoesNotMatch(KindBranch(), "if (target.Kind == NicRateTargetKind.PsnrDb)");

        string root = NicModelFamilyTests.RepositoryRoot();
        string[] allowed = [Path.Combine("src", "Engine", "Models", "Architectures") + Path.DirectorySeparatorChar, Path.Combine("src", "Torch", "Models") + Path.DirectorySeparatorChar];
        var branches = new List<string>();
        int scanned = 0;
        foreach (string directory in new[] { "src", "fuzz" })
        {
            foreach (string path in Directory.EnumerateFiles(Path.Combine(root, directory), "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, path);
                if (relative.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || relative.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || allowed.Any(a => relative.StartsWith(a, StringComparison.Ordinal)))
                {
                    continue;
                }

                scanned++;
                string[] lines = File.ReadAllLines(path);
                for (int i = 0; i < lines.Length; i++)
                {
                    int comment = lines[i].IndexOf("//", StringComparison.Ordinal);
                    string code = comment < 0 ? lines[i] : lines[i][..comment];
                    if (KindBranch().IsMatch(code))
                    {
                        branches.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(scanned > 100, $"only {scanned} source files were scanned under {root}");
        Assert.True(branches.Count == 0, "branches on the architecture kind outside the definitions:\n" + string.Join('\n', branches));
    }

    /// <summary>A comparison, pattern or switch on <see cref="ModelArchitectureKind"/> or <c>Kind</c>, or a use of <c>UsesChannels</c>.</summary>
    [GeneratedRegex(@"(?i:architecture)\??\.Kind\s*(==|!=|\bswitch\b|\bis\b)|(\bcase|==|!=|\bis|\bor|\band|\?)\s*ModelArchitectureKind\.|ModelArchitectureKind\.\w+\s*(=>|:(?!:))|\.UsesChannels\b")]
    private static partial Regex KindBranch();

    private static bool RowsEqual(FeatureMap full, int fullFirst, FeatureMap window, int windowFirst, int rows)
    {
        for (int c = 0; c < full.Channels; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                if (!full.Row(c, fullFirst + r).SequenceEqual(window.Row(c, windowFirst + r)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
