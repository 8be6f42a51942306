using System.Buffers.Binary;
using System.Text.Json;
using Nic.Codec.Catalog;
using Nic.Codec.Models;

namespace Nic.Codec.Tests.Models;

/// <summary>Variable-rate model files (spec/nic-model.md §11): packing, the byte-exact trained points, interpolation and its checks.</summary>
public class NicModelFamilyTests
{
    private static readonly double[] Lambdas = [0.002, 0.008, 0.03];

    private static readonly Lazy<(byte[] Family, byte[][] Points)> Random = new(() =>
    {
        byte[][] points = ModelFactory.CreateRandomFamilyPoints(ModelArchitectureKind.Mbt2018Mean, 8, 12, 7, "test-family", Lambdas);
        return (NicModelFamilyBuilder.Build("test-family", points.Select(p => (ReadOnlyMemory<byte>)p).ToArray()), points);
    });

    [Fact]
    public void EveryTrainedPointRebuildsItsFixedRateFileByteForByte()
    {
        NicModelFamily family = NicModelFamily.Load(Random.Value.Family);
        Assert.Equal(3, family.Points.Count);
        for (int p = 0; p < 3; p++)
        {
            NicModelFile original = NicModelFile.Load(Random.Value.Points[p]);
            Assert.Equal(original.Id, family.Points[p].Id);
            Assert.Same(family.Points[p], family.AtPosition(p));
            Assert.Null(family.Points[p].FamilyId);
        }

        Assert.True(Random.Value.Family.Length < Random.Value.Points.Sum(p => p.Length) * 0.6, "the shared weights are stored once");
    }

    [Fact]
    public void ThePointsAndTheInterpolatedModelsHoldOneCopyOfEachSharedTensor()
    {
        NicModelFamily family = NicModelFamily.Load(Random.Value.Family);
        NicModelFile first = family.Points[0], half = family.AtPosition(1.5);
        var separate = NicModelFile.Load(Random.Value.Points[2]);
        int shared = 0;
        foreach (string name in first.TensorNames)
        {
            ModelTensor mine = first.GetTensor(name);
            bool same = SameValues(separate.GetTensor(name), mine);
            if (same)
            {
                // Equal contents: one instance for every point and the models between them.
                shared++;
                Assert.Same(mine, family.Points[2].GetTensor(name));
                Assert.Same(mine, half.GetTensor(name));
            }
            else
            {
                // A gained tensor: each point and the interpolated model have their own.
                Assert.NotSame(mine, family.Points[2].GetTensor(name));
                Assert.False(SameValues(half.GetTensor(name), family.Points[1].GetTensor(name)));
            }
        }

        Assert.InRange(shared, 1, first.TensorNames.Count - 1);
        Assert.Equal(separate.Id, family.Points[2].Id);

        static bool SameValues(ModelTensor a, ModelTensor b) =>
            a.ElementType == b.ElementType && (a.ElementType == ModelTensorType.Float32
                ? a.Float32Data.Span.SequenceEqual(b.Float32Data.Span)
                : a.Int32Data.Span.SequenceEqual(b.Int32Data.Span));
    }

    [Fact]
    public void AFixedRateFileLeftBesideItsFamilyFileIsTheSameModelNotAConflict()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"nic-family-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "test-family-q1.nicm"), Random.Value.Points[0]);
            File.WriteAllBytes(Path.Combine(directory, "test-family.nicm"), Random.Value.Family);
            File.WriteAllBytes(Path.Combine(directory, "test-family-q3.nicm"), Random.Value.Points[2]);
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);
            Assert.Empty(catalog.Problems);
            Assert.Equal(["test-family-q1", "test-family-q2", "test-family-q3"], catalog.Models.Select(m => m.Name));
            NicModelFamily family = Assert.Single(catalog.Families);
            Assert.Equal(family.Points[0].Id, catalog.Find("test-family-q1").File.Id);
            Assert.Equal(family.Id, catalog.FindAtQuality("test-family", 30).File.FamilyId);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AShippedFamilyRebuildsTheFilesTheConformanceSuiteNames()
    {
        var catalog = new NicModelCatalog();
        NicModelFamily family = Assert.Single(catalog.Families, f => f.Name == "nic-mbt2018-mean");
        Assert.Equal(6, family.Points.Count);
        using JsonDocument header = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "conformance", "golden", "model-nic-mbt2018-mean-q4.header.json")));
        string sha = header.RootElement.GetProperty("model_sha256").GetString()!;
        Assert.Equal(sha, family.Points[3].Id.Sha256Hex);
        Assert.Equal("nic-mbt2018-mean-cc-q4", catalog.Find(NicModelCatalog.DefaultModelName).Name);
    }

    [Fact]
    public void BetweenPointsTheGainedTensorsAreScaledByTheRootChainFactor()
    {
        NicModelFamily family = NicModelFamily.Load(Random.Value.Family);
        NicModelFile low = family.Points[1];
        NicModelFile half = family.AtPosition(1.5);
        Assert.Equal(family.Id, half.FamilyId);
        Assert.Equal(1.5, half.RatePosition);
        Assert.Equal(Lambdas[1] * Math.Sqrt(Lambdas[2] / Lambdas[1]), half.Lambda, 12);
        const string gained = "g_s.0.weight";
        float[] gains = GainsOf(family, "g_s.0");
        int channels = gains.Length / 3;
        ReadOnlySpan<float> w = low.GetFloat32(gained).Span, interpolated = half.GetFloat32(gained).Span;
        int per = w.Length / channels;
        for (int e = 0; e < w.Length; e++)
        {
            int c = e / per;
            double factor = Math.Sqrt((double)gains[(2 * channels) + c] / gains[channels + c]);
            Assert.Equal((float)(w[e] * factor), interpolated[e]);
        }

        // Tensors that are not gained are the points' own.
        Assert.Equal(low.GetFloat32("h_s.0.weight").ToArray(), half.GetFloat32("h_s.0.weight").ToArray());
        // At 1 + 63/64 the weights come within the interval's last step of the next point's.
        NicModelFile nearHigh = family.AtPosition(2 - (1.0 / 64));
        Assert.Equal(family.Points[2].GetFloat32(gained).Span[0], nearHigh.GetFloat32(gained).Span[0], 0.05f * Math.Abs(family.Points[2].GetFloat32(gained).Span[0]));
    }

    [Theory]
    [InlineData(4.0, 0, 1.0)]
    [InlineData(4.0, 32, 2.0)]
    [InlineData(4.0, 16, 1.4142135623730951)]
    [InlineData(0.25, 32, 0.5)]
    public void TheGainFactorIsTheRootChainOfSpec(double ratio, int step, double expected)
    {
        Assert.Equal(expected, ModelFamilyParser.GainFactor(1f, (float)ratio, step));
    }

    [Fact]
    public void TheGainFactorOfEveryStepIsTheRatiosPowerWithinRounding()
    {
        for (int step = 0; step < 64; step++)
        {
            double factor = ModelFamilyParser.GainFactor(0.8f, 1.7f, step);
            Assert.Equal(Math.Pow(1.7f / (double)0.8f, step / 64.0), factor, 1e-14);
        }
    }

    [Theory]
    [InlineData(-1.0 / 64)]
    [InlineData(2.0 + (1.0 / 64))]
    [InlineData(0.5 + (1.0 / 128))]
    [InlineData(double.NaN)]
    public void PositionsOffTheGridOrOutsideTheFamilyAreRefused(double position)
    {
        NicModelFamily family = NicModelFamily.Load(Random.Value.Family);
        Assert.False(family.IsValidPosition(position));
        Assert.Throws<ArgumentOutOfRangeException>(() => family.AtPosition(position));
    }

    [Fact]
    public void TheQualityScaleIsLogLinearInLambdaFromCompressAIsFirstToItsEighthPoint()
    {
        Assert.Equal(0.0018, NicModelFamily.LambdaForQuality(0), 15);
        Assert.Equal(0.018, NicModelFamily.LambdaForQuality(50), 15);
        Assert.Equal(0.18, NicModelFamily.LambdaForQuality(100), 15);
        Assert.Equal(37.5, NicModelFamily.QualityForLambda(NicModelFamily.LambdaForQuality(37.5)), 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => NicModelFamily.LambdaForQuality(100.5));
        NicModelFamily family = NicModelFamily.Load(Random.Value.Family);
        double[] positions = [.. Enumerable.Range(0, 101).Select(q => family.PositionForQuality(q))];
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(0, positions[0]);
        Assert.Equal(2, family.PositionForLambda(1));
        Assert.Equal(1, family.PositionForLambda(Lambdas[1]));
    }

    [Fact]
    public void PointsThatDifferInMoreThanAGainAreRefused()
    {
        byte[][] points = Random.Value.Points;
        byte[] other = ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, 99, "test-family-q9", 9, "test-family");
        ArgumentException e = Assert.Throws<ArgumentException>(() => NicModelFamilyBuilder.Build("test-family", [points[0], other]));
        Assert.Contains("gain", e.Message);
        Assert.Throws<ArgumentException>(() => NicModelFamilyBuilder.Build("other-family", [points[0], points[1]]));
        Assert.Throws<ArgumentException>(() => NicModelFamilyBuilder.Build("test-family", [points[0]]));
    }

    [Fact]
    public void AFixedRateLoaderRefusesAFamilyFileAndSaysWhatItIs()
    {
        NicCodecException e = Assert.Throws<NicCodecException>(() => NicModelFile.Load(Random.Value.Family));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.Contains("variable-rate", e.Message);
        Assert.True(NicModelFamily.IsFamilyFile(Random.Value.Family));
        Assert.False(NicModelFamily.IsFamilyFile(Random.Value.Points[0]));
    }

    [Fact]
    public void AFamilyWhosePointsDoNotRebuildTheirDeclaredFilesIsRefused()
    {
        // Flip one bit of point 1's own copy of a gained tensor: the rebuilt file's SHA-256 no longer matches.
        byte[] file = WithPointTensorDamaged(Random.Value.Family, 1);
        NicCodecException e = Assert.Throws<NicCodecException>(() => NicModelFamily.Load(file));
        Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
        Assert.Contains("sha256", e.Message);
    }

    [Fact]
    public void ACatalogListsAFamilyFromItsHeaderAndReportsABadPointWhenTheFamilyIsFirstUsed()
    {
        // The same corrupted family as above, in a directory: the header is sound, so the catalog lists its points
        // without reading their tensors; the first use loads the file, fails, and the file becomes a problem.
        byte[] file = WithPointTensorDamaged(Random.Value.Family, 1);
        InTemporaryDirectory(directory =>
        {
            string path = Path.Combine(directory, "test-family.nicm");
            File.WriteAllBytes(path, file);
            // A fixed-rate file listed after the family (its name sorts after it): the scan must not load the family to
            // check it for a clash.
            File.WriteAllBytes(Path.Combine(directory, "z-other.nicm"), ModelFactory.CreateRandom(ModelArchitectureKind.Mbt2018Mean, 8, 12, 5, "other", 1, null));
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);

            Assert.Equal(["other", "test-family-q1", "test-family-q2", "test-family-q3"], catalog.Models.Select(m => m.Name).Order(StringComparer.Ordinal));
            Assert.Empty(catalog.Problems);
            NicModelEntry listed = catalog.Find("test-family-q2");
            Assert.Equal(NicModelFile.Load(Random.Value.Points[1]).Id.Sha256Hex, listed.Sha256Hex);
            Assert.Contains("mbt2018-mean", listed.ToString(), StringComparison.Ordinal);

            Assert.Same(catalog.Find("test-family-q1"), catalog.Add(NicModelFile.Load(Random.Value.Points[0])));
            Assert.Empty(catalog.Problems);

            NicCodecException e = Assert.Throws<NicCodecException>(() => listed.File);
            Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Same(e, Assert.Throws<NicCodecException>(() => listed.File));
            Assert.Null(catalog.FindFamily("test-family"));
            string problem = Assert.Single(catalog.Problems);
            Assert.StartsWith(path + ":", problem, StringComparison.Ordinal);
            Assert.Contains("sha256", problem, StringComparison.Ordinal);
            // The family's points are gone; the point added in memory behind its entry is back.
            Assert.Equal(["other", "test-family-q1"], catalog.Models.Select(m => m.Name));
            Assert.Equal("added", catalog.Find("test-family-q1").Source);
            Assert.Empty(catalog.Families);
            Assert.Equal(NicCodecError.UnknownModel, Assert.Throws<NicCodecException>(() => catalog.Find("test-family-q2")).Error);
        });
    }

    [Theory]
    [InlineData("test-family-q1.nicm")] // listed before the family file
    [InlineData("z-copy.nicm")] // after it
    public void FixedRateCopiesOfAFamilysPointsComeBackWhenTheFamilyFailsOnFirstUse(string copyName)
    {
        InTemporaryDirectory(directory =>
        {
            string copy = Path.Combine(directory, copyName);
            File.WriteAllBytes(copy, Random.Value.Points[0]);
            File.WriteAllBytes(Path.Combine(directory, "test-family.nicm"), WithPointTensorDamaged(Random.Value.Family, 2));
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);
            Assert.Equal(Path.Combine(directory, "test-family.nicm"), catalog.Find("test-family-q1").Path);

            Assert.Throws<NicCodecException>(() => catalog.Find("test-family-q3").File);

            NicModelEntry back = Assert.Single(catalog.Models);
            Assert.Equal(("test-family-q1", copy), (back.Name, back.Path));
            Assert.Equal(NicModelFile.Load(Random.Value.Points[0]).Id, back.File.Id);
        });
    }

    [Fact]
    public void ConcurrentFirstUsesLoadTheFamilyOnce()
    {
        InTemporaryDirectory(directory =>
        {
            File.WriteAllBytes(Path.Combine(directory, "test-family.nicm"), Random.Value.Family);
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);
            IReadOnlyList<NicModelEntry> entries = catalog.Models;
            NicModelFile[] files = new NicModelFile[4];
            using var start = new Barrier(files.Length);
            Task[] readers = [.. Enumerable.Range(0, files.Length).Select(i => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    files[i] = entries[i % entries.Count].File;
                },
                TaskCreationOptions.LongRunning))];
            Task.WaitAll(readers);

            // Two loads would give two families: some thread would hold a file that is not the entry's.
            for (int i = 0; i < files.Length; i++)
            {
                Assert.Same(entries[i % entries.Count].File, files[i]);
            }

            Assert.Same(catalog.FindFamily("test-family")!.Points[1], entries[1].File);
            Assert.Empty(catalog.Problems);
        });
    }

    [Fact]
    public void AFamilyHeaderThatContradictsItselfIsSkippedWhenScanned()
    {
        // Points out of λ order: the header alone shows it, so the scan skips the file as the full load would refuse it.
        SafetensorsFile parsed = SafetensorsReader.Parse(Random.Value.Family);
        var metadata = new Dictionary<string, string>(parsed.Metadata);
        using (JsonDocument points = JsonDocument.Parse(metadata["rate_points"]))
        {
            var list = points.RootElement.EnumerateArray().Select(p => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(p.GetRawText())!).ToList();
            (list[0], list[1]) = (list[1], list[0]);
            metadata["rate_points"] = JsonSerializer.Serialize(list);
        }

        byte[] reordered = SafetensorsWriter.Write(metadata, parsed.Entries.Select(e => new SafetensorsWriter.Tensor(e.Name, e.DataType, e.Shape, parsed.GetBytes(e).ToArray())));
        InTemporaryDirectory(directory =>
        {
            File.WriteAllBytes(Path.Combine(directory, "test-family.nicm"), reordered);
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);
            Assert.Empty(catalog.Models);
            Assert.Contains("rising λ", Assert.Single(catalog.Problems), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void AFamilyFileThatChangesAfterTheCatalogListedItIsRefusedOnFirstUse()
    {
        InTemporaryDirectory(directory =>
        {
            string path = Path.Combine(directory, "test-family.nicm");
            File.WriteAllBytes(path, Random.Value.Family);
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);
            Assert.Equal(3, catalog.Models.Count);

            // Another valid family of the same name and points, made with other weights, replaces the file.
            byte[][] others = ModelFactory.CreateRandomFamilyPoints(ModelArchitectureKind.Mbt2018Mean, 8, 12, 8, "test-family", Lambdas);
            File.WriteAllBytes(path, NicModelFamilyBuilder.Build("test-family", others.Select(p => (ReadOnlyMemory<byte>)p).ToArray()));

            NicCodecException e = Assert.Throws<NicCodecException>(() => catalog.FindAtQuality("test-family", 40));
            Assert.Equal(NicCodecError.ModelFileCorrupt, e.Error);
            Assert.Contains("changed after the catalog listed it", e.Message, StringComparison.Ordinal);
            Assert.Empty(catalog.Models);
        });
    }

    [Fact]
    public void OnlyTheFamilyInUseIsLoaded()
    {
        // Two families in one directory; the second's tensors are damaged. Coding with the first never reads the
        // second's tensors, so the catalog reports nothing until the second is used.
        byte[][] others = ModelFactory.CreateRandomFamilyPoints(ModelArchitectureKind.Mbt2018Mean, 8, 12, 9, "second-family", Lambdas);
        byte[] second = WithPointTensorDamaged(NicModelFamilyBuilder.Build("second-family", others.Select(p => (ReadOnlyMemory<byte>)p).ToArray()), 2);
        InTemporaryDirectory(directory =>
        {
            File.WriteAllBytes(Path.Combine(directory, "test-family.nicm"), Random.Value.Family);
            File.WriteAllBytes(Path.Combine(directory, "second-family.nicm"), second);
            var catalog = new NicModelCatalog([directory], includeShippedModels: false);

            NicModelFile model = catalog.FindAtQuality("test-family", 50).File;
            Assert.Equal("test-family", model.FamilyId!.Name);
            Assert.Equal(6, catalog.Models.Count);
            Assert.Empty(catalog.Problems);

            Assert.Single(catalog.Families);
            Assert.Single(catalog.Problems, p => p.Contains("second-family.nicm", StringComparison.Ordinal));
            Assert.Equal(3, catalog.Models.Count);
        });
    }

    /// <summary>Runs <paramref name="test"/> in a new temporary directory, deleted afterwards.</summary>
    private static void InTemporaryDirectory(Action<string> test)
    {
        string directory = Directory.CreateTempSubdirectory("nic-family-").FullName;
        try
        {
            test(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A copy of a family file with one bit flipped in point <paramref name="point"/>'s own copy of a gained tensor: its header is intact, its rebuilt point is not.</summary>
    private static byte[] WithPointTensorDamaged(byte[] family, int point)
    {
        byte[] file = [.. family];
        SafetensorsEntry entry = SafetensorsReader.Parse(file).Entries.First(e => e.Name.StartsWith($"points.{point}.", StringComparison.Ordinal));
        file[checked((int)(8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file) + entry.Begin))] ^= 0x01;
        return file;
    }

    private static float[] GainsOf(NicModelFamily family, string layer)
    {
        SafetensorsFile parsed = SafetensorsReader.Parse(Random.Value.Family);
        SafetensorsEntry entry = parsed.Entries.Single(e => e.Name == "gains." + layer);
        ReadOnlySpan<byte> bytes = parsed.GetBytes(entry);
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        }

        Assert.Equal(family.Points.Count * family.Points[0].GetTensor(layer + ".weight").Shape[0], values.Length);
        return values;
    }

    internal static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Sdk.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("the repository root was not found above " + AppContext.BaseDirectory);
    }
}
