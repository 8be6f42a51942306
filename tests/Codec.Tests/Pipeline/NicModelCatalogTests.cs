using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Pipeline;

public sealed class NicModelCatalogTests
{
    [Fact]
    public void AFamilyAndAQualityPickARatePointAndAFamilyAloneItsMiddleOne()
    {
        NicModelCatalog catalog = PipelineFixtures.Catalog();

        Assert.Equal("test-mean-q7", catalog.Find("test-mean", 7).Name);
        Assert.Equal("test-mean-q5", catalog.Find("test-mean").Name);
        Assert.Equal("test-mean-q2", catalog.Find("test-mean-q2").Name);
        Assert.Equal("test-mean-q7", catalog.Find("test-mean-q2", 7).Name);
        Assert.Equal("test-hyperprior", catalog.Find("test-hyperprior").Name);
    }

    [Fact]
    public void UnknownNamesAndRatePointsListWhatThereIs()
    {
        NicModelCatalog catalog = PipelineFixtures.Catalog();

        NicCodecException name = Assert.Throws<NicCodecException>(() => catalog.Find("nope"));
        Assert.Equal(NicCodecError.UnknownModel, name.Error);
        Assert.Contains("test-mean-q5", name.Message);
        NicCodecException quality = Assert.Throws<NicCodecException>(() => catalog.Find("test-mean", 3));
        Assert.Equal(NicCodecError.UnknownModel, quality.Error);
        Assert.Contains("2, 5, 7", quality.Message);
    }

    [Fact]
    public void DirectoriesAreScannedAndBadFilesSkippedWithTheirReason()
    {
        string directory = Directory.CreateTempSubdirectory("nic-catalog-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "a.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, seed: 3));
            File.WriteAllBytes(Path.Combine(directory, "broken.nicm"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(directory, "ignored.bin"), [1, 2, 3]);

            var catalog = new NicModelCatalog([directory], includeShippedModels: false);

            NicModelEntry entry = Assert.Single(catalog.Models);
            Assert.Equal("random-mbt2018-mean-3", entry.Name);
            Assert.Equal(Path.Combine(directory, "a.nicm"), entry.Path);
            string problem = Assert.Single(catalog.Problems);
            Assert.Contains("broken.nicm", problem);
            Assert.Contains("ModelFileCorrupt", problem);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void OfTwoFilesWithOneNameTheFirstInOrderWinsHoweverLongItTakesToLoad()
    {
        // The files load side by side; a.nicm (N = 64) takes longer than b.nicm (N = 8) but comes first by name. Loading
        // one by one passes too; a catalog that took the files in the order they finished would fail whenever b.nicm
        // finishes first, as it does on two or more cores.
        string directory = Directory.CreateTempSubdirectory("nic-catalog-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "a.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 64, 96, 41, "same", 2, null));
            File.WriteAllBytes(Path.Combine(directory, "b.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, 42, "same", 2, null));

            var catalog = new NicModelCatalog([directory], includeShippedModels: false);

            NicModelEntry entry = Assert.Single(catalog.Models);
            Assert.Equal(Path.Combine(directory, "a.nicm"), entry.Path);
            Assert.Equal(64, entry.File.HyperParameters.N);
            string problem = Assert.Single(catalog.Problems);
            Assert.Contains("b.nicm: skipped, the name 'same' is already taken", problem, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ProblemsAreListedInTheOrderOfTheDirectoriesAndTheirFiles()
    {
        string first = Directory.CreateTempSubdirectory("nic-catalog-").FullName, third = Directory.CreateTempSubdirectory("nic-catalog-").FullName;
        string missing = Path.Combine(first, "no-such-directory");
        try
        {
            File.WriteAllBytes(Path.Combine(first, "broken.nicm"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(third, "also-broken.nicm"), [4, 5, 6]);

            var catalog = new NicModelCatalog([first, missing, third], includeShippedModels: false);

            Assert.Empty(catalog.Models);
            Assert.Collection(
                catalog.Problems,
                p => Assert.StartsWith(Path.Combine(first, "broken.nicm") + ":", p, StringComparison.Ordinal),
                p => Assert.Equal($"{missing}: no such directory", p),
                p => Assert.StartsWith(Path.Combine(third, "also-broken.nicm") + ":", p, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(third, recursive: true);
        }
    }

    [Fact]
    public void AddingAnotherModelUnderATakenNameIsRefused()
    {
        NicModelCatalog catalog = PipelineFixtures.Catalog();
        Assert.Same(catalog.Find("test-mean-q2"), catalog.Add(PipelineFixtures.MeanScale.Value));
        Assert.Throws<ArgumentException>(() => catalog.Add(PipelineFixtures.Model(ModelArchitectureKind.Mbt2018Mean, "test-mean-q2", 2, null, seed: 77)));
    }

    [Fact]
    public void TheDefaultModelIsShippedNextToTheAssembly()
    {
        var catalog = new NicModelCatalog();

        NicModelEntry entry = catalog.Find(NicModelCatalog.DefaultModelName);

        Assert.Equal("shipped", entry.Source);
        Assert.StartsWith(NicModelCatalog.ShippedModelDirectory, entry.Path);
        Assert.True(entry.File.Architecture.HasGaussianConditional);
        Assert.Empty(catalog.Problems);
    }
}
