using Nic.Codec.Catalog;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;

namespace Nic.Codec.Tests.Pipeline;

public sealed class NicCodecErrorTests
{
    [Fact]
    public async Task AFileWhoseModelIsNotInstalledNamesWhatItNeedsAndWhatThereIs()
    {
        byte[] file = PipelineFixtures.Codec().Encode(PipelineFixtures.Photo(30, 30));
        var catalog = new NicModelCatalog(includeShippedModels: false);
        catalog.Add(PipelineFixtures.Hyperprior.Value);
        var codec = new NicCodec(catalog, new NicCodecOptions { IncludeShippedModels = false });

        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => codec.DecodeAsync(file));

        Assert.Equal(NicCodecError.UnknownModel, e.Error);
        Assert.Contains("test-mean-q2", e.Message);
        Assert.Contains(PipelineFixtures.MeanScale.Value.Id.Sha256Hex, e.Message);
        Assert.Contains("test-hyperprior", e.Message);
    }

    [Fact]
    public async Task AModelOfTheSameNameButAnotherHashIsRefused()
    {
        byte[] file = PipelineFixtures.Codec().Encode(PipelineFixtures.Photo(30, 30));
        var catalog = new NicModelCatalog(includeShippedModels: false);
        catalog.Add(PipelineFixtures.Model(ModelArchitectureKind.Mbt2018Mean, "test-mean-q2", 2, "test-mean", seed: 99));
        var codec = new NicCodec(catalog, new NicCodecOptions { IncludeShippedModels = false });

        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => codec.DecodeAsync(file));

        Assert.Equal(NicCodecError.ModelHashMismatch, e.Error);
        Assert.Contains(PipelineFixtures.MeanScale.Value.Id.Sha256Hex, e.Message);
    }

    [Theory]
    [InlineData("y")]
    [InlineData("z")]
    [InlineData("alignment")]
    public async Task AHeaderWhoseShapesAreNotTheModelsIsRefused(string field)
    {
        NicCodec codec = PipelineFixtures.Codec();
        NicFile file = NicFile.Read(codec.Encode(PipelineFixtures.Photo(70, 70)));
        NicHeader header = field switch
        {
            "y" => file.Header with { YShape = file.Header.YShape with { Channels = 13 } },
            "z" => file.Header with { ZShape = file.Header.ZShape with { Width = 3 } },
            _ => file.Header with { Alignment = 32 },
        };
        byte[] tampered = new NicFile { Header = header, ZSubstream = file.ZSubstream, Bands = file.Bands }.ToArray();

        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => codec.DecodeAsync(tampered));
        Assert.Equal(NicCodecError.LatentShapeMismatch, e.Error);
    }

    [Fact]
    public async Task ACorruptBandWithAValidChecksumIsAnEntropyError()
    {
        NicCodec codec = PipelineFixtures.Codec();
        NicFile file = NicFile.Read(codec.Encode(PipelineFixtures.Photo(64, 64)));
        byte[][] bands = file.Bands.Select(b => b.ToArray()).ToArray();
        bands[1][^1] ^= 0x40;
        byte[] tampered = new NicFile { Header = file.Header, ZSubstream = file.ZSubstream, Bands = bands }.ToArray();

        NicCodecException e = await Assert.ThrowsAsync<NicCodecException>(() => codec.DecodeAsync(tampered));
        Assert.True(e.Error is NicCodecError.EntropyPayloadCorrupt or NicCodecError.EntropyPayloadTruncated, e.Message);
    }

    [Fact]
    public async Task ATruncatedFileIsAFormatErrorAfterTheRowsItCouldDecode()
    {
        NicCodec codec = PipelineFixtures.Codec(bandRows: 1);
        byte[] file = codec.Encode(PipelineFixtures.Photo(40, 120));
        await using NicRowDecoder decoder = await codec.OpenAsync(new MemoryStream(file[..^20]));
        int rows = 0;
        NicFormatException e = await Assert.ThrowsAsync<NicFormatException>(async () =>
        {
            await foreach (RgbRowBlock block in decoder.ReadRowsAsync())
            {
                rows += block.RowCount;
            }
        });

        Assert.Equal(nameof(NicFormatError.Truncated), e.ErrorCode);
        Assert.InRange(rows, 1, 119);
    }

    [Fact]
    public void TheDigitModelCannotCodeImages()
    {
        var catalog = new NicModelCatalog(includeShippedModels: false);
        catalog.Add(ModelFactory.LoadRandom(ModelArchitectureKind.TfcMnist, 0, 10, seed: 1));
        var codec = new NicCodec(catalog, new NicCodecOptions { IncludeShippedModels = false, DefaultModel = "random-tfc-mnist-1" });

        NicCodecException e = Assert.Throws<NicCodecException>(() => codec.Encode(PipelineFixtures.Photo(28, 28)));
        Assert.Equal(NicCodecError.UnsupportedModel, e.Error);
    }

    [Fact]
    public void InvalidOptionsAreRefusedWithEveryProblem()
    {
        var options = new NicCodecOptions { BandRows = 0, Parallelism = 0, DefaultModel = " " };
        options.ModelDirectories.Add("/no/such/directory");
        ArgumentException e = Assert.Throws<ArgumentException>(() => new NicCodec(PipelineFixtures.Catalog(), options));
        Assert.Contains("BandRows", e.Message);
        Assert.Contains("Parallelism", e.Message);
        Assert.Contains("DefaultModel", e.Message);
        Assert.Contains("/no/such/directory", e.Message);
    }
}
