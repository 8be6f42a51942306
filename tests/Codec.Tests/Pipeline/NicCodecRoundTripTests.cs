using System.IO.Pipelines;
using Nic.Codec.EntropyModels;
using Nic.Codec.Imaging;
using Nic.Codec.Inference;
using Nic.Codec.Models;
using Nic.Codec;
using Nic.Format;
using Nic.Codec.Pipeline;

namespace Nic.Codec.Tests.Pipeline;

public sealed class NicCodecRoundTripTests
{
    [Theory]
    [InlineData("test-mean-q2", 70, 45)]
    [InlineData("test-hyperprior", 64, 64)]
    [InlineData("test-factorized", 37, 20)]
    [InlineData("test-mean-q2", 1, 1)]
    [InlineData("test-mean-q2", 17, 13)]
    [InlineData("test-mean-q2", 200, 1)]
    [InlineData("test-mean-q2", 1, 150)]
    public async Task DecodedPixelsEqualAFullFrameReconstructionComputedIndependently(string modelName, int width, int height)
    {
        NicCodec codec = PipelineFixtures.Codec(model: modelName);
        RgbImage image = PipelineFixtures.Photo(width, height);
        byte[] file = codec.Encode(image);

        RgbImage decoded = await codec.DecodeAsync(file);

        // In the codec's own arithmetic (the default, Winograd): the streamed decode must equal the
        // same arithmetic's full frame.
        RgbImage expected = FullFrameReconstruction(codec.Catalog.Find(modelName).File, image, ((ManagedBackendFactory)codec.BackendFactory).Arithmetic);
        Assert.True(expected.PixelsEqual(decoded), "the banded, streamed decode differs from the full-frame reconstruction");
        NicImageInfo info = await codec.IdentifyAsync(file);
        Assert.Equal((width, height, modelName), (info.Width, info.Height, info.Model.Name));
        Assert.Equal(file.Length, info.FileLength);
    }

    [Fact]
    public async Task StreamsFilesAndBytesGiveTheSameFileAndImage()
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(90, 70);
        byte[] bytes = codec.Encode(image);

        using var stream = new MemoryStream();
        NicEncodeResult result = await codec.EncodeAsync(image, stream);
        Assert.Equal(bytes, stream.ToArray());
        Assert.Equal(bytes.Length, result.Bytes);
        Assert.Equal(bytes.Length * 8.0 / (90 * 70), result.BitsPerPixel, 12);

        string directory = Directory.CreateTempSubdirectory("nic-pipeline-").FullName;
        try
        {
            string path = Path.Combine(directory, "image.nic");
            NicEncodeResult fileResult = await codec.EncodeFileAsync(image, path);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
            Assert.Equal(result.Bytes, fileResult.Bytes);
            Assert.Single(Directory.GetFiles(directory));

            RgbImage fromFile = await codec.DecodeFileAsync(path);
            stream.Position = 0;
            RgbImage fromStream = await codec.DecodeAsync(stream);
            RgbImage fromBytes = await codec.DecodeAsync(bytes);
            Assert.True(fromFile.PixelsEqual(fromStream));
            Assert.True(fromFile.PixelsEqual(fromBytes));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task APipeFedOneByteAtATimeDecodesToTheSamePixels()
    {
        NicCodec codec = PipelineFixtures.Codec(bandRows: 1);
        RgbImage image = PipelineFixtures.Photo(48, 150);
        byte[] file = codec.Encode(image);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < file.Length; i++)
            {
                await pipe.Writer.WriteAsync(file.AsMemory(i, 1));
                await Task.Yield();
            }

            await pipe.Writer.CompleteAsync();
        });

        RgbImage decoded;
        await using (NicRowDecoder decoder = await codec.OpenAsync(pipe.Reader))
        {
            Assert.Equal((48, 150), (decoder.Info.Width, decoder.Info.Height));
            decoded = await decoder.ReadImageAsync();
        }

        await writer;
        Assert.True((await codec.DecodeAsync(file)).PixelsEqual(decoded));
    }

    [Fact]
    public async Task RowsComeOutBeforeTheInputHasFullyArrived()
    {
        NicCodec codec = PipelineFixtures.Codec(bandRows: 1);
        RgbImage image = PipelineFixtures.Photo(48, 150);
        byte[] file = codec.Encode(image);
        var stream = new TrickleStream(file);

        var decoded = new RgbImage(48, 150);
        var servedAtEachBlock = new List<long>();
        await using (NicRowDecoder decoder = await codec.OpenAsync(stream))
        {
            int nextRow = 0;
            await foreach (RgbRowBlock block in decoder.ReadRowsAsync())
            {
                servedAtEachBlock.Add(stream.Served);
                Assert.Equal(nextRow, block.FirstRow);
                block.Pixels.Span.CopyTo(decoded.Pixels.AsSpan(block.FirstRow * decoded.Stride));
                nextRow += block.RowCount;
            }

            Assert.Equal(150, nextRow);
        }

        Assert.True((await codec.DecodeAsync(file)).PixelsEqual(decoded));
        Assert.Equal(file.Length, stream.Served);
        Assert.True(servedAtEachBlock.Count >= 3, $"{servedAtEachBlock.Count} blocks");
        Assert.InRange(servedAtEachBlock[0], 1, file.Length / 2);
        Assert.Equal(servedAtEachBlock.Order(), servedAtEachBlock);
    }

    [Fact]
    public async Task IdentifyReadsOnlyTheHeaderAndTheMetadata()
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(300, 200);
        image.Metadata = new NicMetadata { Xmp = "<xmp/>"u8.ToArray() };
        byte[] file = codec.Encode(image);
        NicFile parsed = NicFile.Read(file);
        int headerAndMetadata = 10 + 12 + 78 + parsed.Header.Model.Name.Length + 12 + 6;

        var stream = new TrickleStream(file, limit: headerAndMetadata + 8);
        NicImageInfo info = await codec.IdentifyAsync(stream);

        Assert.Equal((300, 200, "test-mean-q2", 2), (info.Width, info.Height, info.Model.Name, info.RatePoint));
        Assert.Equal("<xmp/>"u8.ToArray(), info.Metadata.Xmp);
        Assert.Equal(-1, info.FileLength);
        Assert.True(stream.Served <= headerAndMetadata + 8);
    }

    [Fact]
    public async Task OneAndTwoThreadsGiveIdenticalFilesAndPixels()
    {
        RgbImage image = PipelineFixtures.Photo(130, 100, seed: 5);
        NicCodec single = PipelineFixtures.Codec(parallelism: 1);
        NicCodec dual = PipelineFixtures.Codec(parallelism: 2);
        NicCodec many = PipelineFixtures.Codec(parallelism: 7);

        byte[] file = single.Encode(image);
        Assert.Equal(file, dual.Encode(image));
        Assert.Equal(file, many.Encode(image));
        RgbImage decoded = await single.DecodeAsync(file);
        Assert.True(decoded.PixelsEqual(await dual.DecodeAsync(file)));
        Assert.True(decoded.PixelsEqual(await many.DecodeAsync(file)));
    }

    [Fact]
    public async Task OneCodecServesConcurrentEncodesAndDecodesWithTheSequentialResults()
    {
        NicCodec codec = PipelineFixtures.Codec(parallelism: 2);
        RgbImage[] images = [.. Enumerable.Range(0, 4).Select(i => PipelineFixtures.Photo(40 + (9 * i), 30 + (5 * i), seed: i))];
        byte[][] files = [.. images.Select(image => codec.Encode(image))];
        RgbImage[] decoded = [.. await Task.WhenAll(files.Select(f => codec.DecodeAsync(f)))];

        Task<bool>[] work = [.. Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            i % 2 == 0
                ? codec.Encode(images[i / 2 % 4]).AsSpan().SequenceEqual(files[i / 2 % 4])
                : (await codec.DecodeAsync(files[i / 2 % 4])).PixelsEqual(decoded[i / 2 % 4])))];

        Assert.All(await Task.WhenAll(work), Assert.True);
    }

    [Fact]
    public async Task MetadataRoundTripsByteForByte()
    {
        NicCodec codec = PipelineFixtures.Codec();
        RgbImage image = PipelineFixtures.Photo(20, 10);
        byte[] icc = Enumerable.Range(0, 600).Select(i => (byte)(i * 7)).ToArray();
        byte[] exif = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0];
        byte[] xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"u8.ToArray();
        image.Metadata = new NicMetadata { IccProfile = icc, Exif = exif, Xmp = xmp };

        byte[] file = codec.Encode(image);
        RgbImage decoded = await codec.DecodeAsync(file);
        NicImageInfo info = await codec.IdentifyAsync(file);

        foreach (NicMetadata metadata in new[] { decoded.Metadata, info.Metadata })
        {
            Assert.Equal(icc, metadata.IccProfile);
            Assert.Equal(exif, metadata.Exif);
            Assert.Equal(xmp, metadata.Xmp);
        }
    }

    [Fact]
    public void TheHeaderRecordsTheModelTheImageAndTheBands()
    {
        NicCodec codec = PipelineFixtures.Codec(bandRows: 3);
        NicModelFile model = PipelineFixtures.MeanScaleQ5.Value;
        NicFile file = NicFile.Read(codec.Encode(PipelineFixtures.Photo(100, 200), new NicEncodeOptions { Model = "test-mean", RatePoint = 5 }));

        NicHeader header = file.Header;
        Assert.Equal(model.Id, header.Model);
        Assert.Equal((100, 200, 64, 5, 0.013f), (header.Width, header.Height, header.Alignment, header.RatePoint, header.RateParameter));
        Assert.Equal(new NicLatentShape(12, 256 / 16, 128 / 16), header.YShape);
        Assert.Equal(new NicLatentShape(8, 4, 2), header.ZShape);
        Assert.Equal(3, header.BandRows);
        Assert.Equal(6, file.Bands.Count);
        Assert.NotNull(file.ZSubstream);
    }

    [Fact]
    public void BandedAnalysisEqualsFullFrameAnalysisExactly()
    {
        NicCodec codec = PipelineFixtures.Codec();
        CodecModel model = codec.GetModel(PipelineFixtures.MeanScale.Value);
        RgbImage image = PipelineFixtures.Photo(64, 300);

        FeatureMap full = model.Backend.Analyze(ImagePlanes.ToPlanes(image, 64, 0, 320));
        FeatureMap banded = EncodePipeline.Analyze(model, image, 64, 320, CancellationToken.None, bandBudget: 1);

        Assert.Equal(full.Data, banded.Data);
    }

    [Fact]
    public void ACancelledEncodeStops()
    {
        NicCodec codec = PipelineFixtures.Codec();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => codec.Encode(PipelineFixtures.Photo(64, 64), cancellationToken: cancelled.Token));
    }

    /// <summary>
    /// The reconstruction of spec/nic-coding.md §11 computed in one piece, in <paramref name="arithmetic"/>: full-frame
    /// g_a, h_a, quantization around the medians and means, full-frame g_s, clamp, round, crop.
    /// </summary>
    private static RgbImage FullFrameReconstruction(NicModelFile file, RgbImage image, ManagedArithmetic arithmetic)
    {
        var model = ManagedModel.Create(file, 1, arithmetic);
        int alignment = file.Architecture.HasGaussianConditional ? 64 : 16;
        int width = (image.Width + alignment - 1) / alignment * alignment;
        int height = (image.Height + alignment - 1) / alignment * alignment;
        FeatureMap y = model.Analyze(ImagePlanes.ToPlanes(image, width, 0, height));
        var yHat = new FeatureMap(y.Channels, y.Height, y.Width);
        if (model.HasHyperprior)
        {
            EntropyBottleneckCoder.FromModel(file).Compress(model.HyperAnalyze(y), out FeatureMap zHat);
            EntropyParameters parameters = model.HyperSynthesize(zHat);
            for (int i = 0; i < y.Data.Length; i++)
            {
                float mean = parameters.Means?.Data[i] ?? 0f;
                yHat.Data[i] = LatentQuantizer.Dequantize(LatentQuantizer.Quantize(y.Data[i], mean, i), mean);
            }
        }
        else
        {
            EntropyBottleneckCoder.FromModel(file).Compress(y, out yHat);
        }

        FeatureMap x = model.Synthesize(yHat);
        var result = new RgbImage(image.Width, image.Height);
        ImagePlanes.ToPixels(x, 0, image.Height, image.Width, result.Pixels);
        return result;
    }

    /// <summary>A non-seekable stream that hands out one byte per read and fails past <c>limit</c> bytes.</summary>
    private sealed class TrickleStream(byte[] data, int limit = int.MaxValue) : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (Served >= data.Length || buffer.Length == 0)
            {
                return 0;
            }

            if (Served >= limit)
            {
                throw new InvalidOperationException($"read past byte {limit}");
            }

            buffer[0] = data[Served++];
            return 1;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
