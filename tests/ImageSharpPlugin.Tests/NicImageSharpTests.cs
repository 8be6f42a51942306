using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Nic.Codec;
using Nic.Codec.Catalog;
using Nic.Format;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.Metadata.Profiles.Xmp;
using SixLabors.ImageSharp.PixelFormats;

namespace Nic.ImageSharp.Tests;

/// <summary>The plugin against the real SixLabors.ImageSharp 2.1.13, with the shipped models.</summary>
public sealed class NicImageSharpTests : IDisposable
{
    private const int Width = 96;
    private const int Height = 64;

    /// <summary>A 96×64 photo encoded once with the default model, for the tests that only read.</summary>
    private static readonly Lazy<byte[]> SharedFile = new(() =>
    {
        using Image<Rgb24> image = Photo<Rgb24>(Width, Height);
        using var stream = new MemoryStream();
        image.Save(stream, new NicEncoder());
        return stream.ToArray();
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("nic-imagesharp-").FullName;

    static NicImageSharpTests() => Configuration.Default.Configure(new NicConfigurationModule());

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task LoadFromPathStreamAndBytesGivesTheCodecsPixelsAsRgb24()
    {
        string path = Write("photo.nic", SharedFile.Value);
        byte[] expected = (await new NicCodec().DecodeFileAsync(path)).Pixels;

        using Image<Rgb24> fromPath = Image.Load<Rgb24>(path, out IImageFormat format);
        using Image<Rgb24> fromBytes = Image.Load<Rgb24>(SharedFile.Value);
        using var stream = new MemoryStream(SharedFile.Value);
        using Image<Rgb24> fromStream = Image.Load<Rgb24>(stream);
        using Image<Rgb24> fromPathAsync = await Image.LoadAsync<Rgb24>(path);
        using var asyncStream = new MemoryStream(SharedFile.Value);
        using Image<Rgb24> fromStreamAsync = await Image.LoadAsync<Rgb24>(asyncStream);

        Assert.Same(NicFormat.Instance, format);
        foreach (Image<Rgb24> image in new[] { fromPath, fromBytes, fromStream, fromPathAsync, fromStreamAsync })
        {
            Assert.Equal((Width, Height), (image.Width, image.Height));
            Assert.Equal(expected, RgbBytes(image));
        }
    }

    [Fact]
    public async Task LoadFromPathStreamAndBytesGivesTheCodecsPixelsAsRgba32()
    {
        string path = Write("photo.nic", SharedFile.Value);
        byte[] expected = (await new NicCodec().DecodeFileAsync(path)).Pixels;

        using Image<Rgba32> fromPath = Image.Load<Rgba32>(path);
        using Image<Rgba32> fromBytes = Image.Load<Rgba32>(SharedFile.Value);
        using var stream = new MemoryStream(SharedFile.Value);
        using Image<Rgba32> fromStream = Image.Load<Rgba32>(stream);
        using Image<Rgba32> fromPathAsync = await Image.LoadAsync<Rgba32>(path);
        using var asyncStream = new MemoryStream(SharedFile.Value);
        using Image<Rgba32> fromStreamAsync = await Image.LoadAsync<Rgba32>(asyncStream);

        foreach (Image<Rgba32> image in new[] { fromPath, fromBytes, fromStream, fromPathAsync, fromStreamAsync })
        {
            Assert.Equal((Width, Height), (image.Width, image.Height));
            var rgba = new Rgba32[Width * Height];
            image.CopyPixelDataTo(rgba);
            Assert.All(rgba, p => Assert.Equal(255, p.A));
            Assert.Equal(expected, rgba.SelectMany(p => new[] { p.R, p.G, p.B }).ToArray());
        }
    }

    [Fact]
    public void LoadWithoutAPixelTypeGivesRgb24WithTheCodingInTheMetadata()
    {
        string path = Write("photo.nic", SharedFile.Value);

        using Image image = Image.Load(path);

        Assert.IsType<Image<Rgb24>>(image);
        Assert.Equal(24, image.PixelType.BitsPerPixel);
        NicFormatMetadata nic = image.Metadata.GetNicFormatMetadata();
        Assert.Equal(NicModelCatalog.DefaultModelName, nic.Model);
        Assert.Equal(4, nic.RatePoint);
        Assert.Equal(64, nic.ModelSha256!.Length);
        Assert.Equal(SharedFile.Value.Length * 8.0 / (Width * Height), nic.BitsPerPixel!.Value, 9);
    }

    [Fact]
    public async Task IdentifyReadsTheHeaderWithoutTheModelOrThePayload()
    {
        var withoutModels = new NicCodec(new NicModelCatalog(includeShippedModels: false), new NicCodecOptions { IncludeShippedModels = false });
        Assert.Empty(withoutModels.Catalog.Models);
        Configuration configuration = NicImageSharpConfiguration.Create(withoutModels);
        string path = Write("photo.nic", SharedFile.Value);

        // The file cut right after the z chunk's header: the header and metadata are whole, the coded image is not.
        byte[] headerOnly = SharedFile.Value[..(ChunkOffset(SharedFile.Value, "ZSUB") + 8)];

        IImageInfo info = Image.Identify(configuration, path, out IImageFormat format);
        IImageInfo cut = Image.Identify(configuration, headerOnly, out _);
        IImageInfo cutAsync = await Image.IdentifyAsync(configuration, new MemoryStream(headerOnly));

        Assert.Same(NicFormat.Instance, format);
        foreach (IImageInfo i in new[] { info, cut, cutAsync })
        {
            Assert.IsNotAssignableFrom<Image>(i); // the header only: no pixels were decoded
            Assert.Equal((Width, Height), (i.Width, i.Height));
            Assert.Equal(24, i.PixelType.BitsPerPixel);
            Assert.Equal(NicModelCatalog.DefaultModelName, i.Metadata.GetNicFormatMetadata().Model);
            Assert.Equal(4, i.Metadata.GetNicFormatMetadata().RatePoint);
        }

        // Decoding needs the model, which this configuration's codec does not have; and the cut file is truncated.
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => Image.Load(configuration, path));
        Assert.Contains(NicModelCatalog.DefaultModelName, e.Message);
        InvalidImageContentException truncated = Assert.Throws<InvalidImageContentException>(() => Image.Load(headerOnly));
        Assert.Contains(nameof(NicFormatError.Truncated), truncated.Message);
    }

    [Fact]
    public void SaveUsesTheEncodersModelAndQuality()
    {
        using Image<Rgb24> image = Photo<Rgb24>(64, 48);
        string byExtension = Path.Combine(_directory, "default.nic");
        string quality5 = Path.Combine(_directory, "q5.nic");
        string scale2 = Path.Combine(_directory, "scale-q2.nic");

        image.Save(byExtension);
        image.Save(quality5, new NicEncoder { RatePoint = 5 });
        image.Save(scale2, new NicEncoder { Model = "nic-bmshj2018-hyperprior", RatePoint = 2 });

        NicHeader defaults = NicFile.Read(File.ReadAllBytes(byExtension)).Header;
        NicHeader q5 = NicFile.Read(File.ReadAllBytes(quality5)).Header;
        NicHeader s2 = NicFile.Read(File.ReadAllBytes(scale2)).Header;
        Assert.Equal((NicModelCatalog.DefaultModelName, 4), (defaults.Model.Name, defaults.RatePoint));
        Assert.Equal(("nic-mbt2018-mean-cc-q5", 5), (q5.Model.Name, q5.RatePoint));
        Assert.Equal(("nic-bmshj2018-hyperprior-q2", 2), (s2.Model.Name, s2.RatePoint));
        Assert.True(new FileInfo(quality5).Length > new FileInfo(byExtension).Length, "a higher rate point gives a larger file");

        using Image loaded = Image.Load(scale2);
        Assert.Equal(("nic-bmshj2018-hyperprior-q2", 2), (loaded.Metadata.GetNicFormatMetadata().Model, loaded.Metadata.GetNicFormatMetadata().RatePoint));

        NicCodecException unknown = Assert.Throws<NicCodecException>(() => image.Save(new MemoryStream(), new NicEncoder { Model = "no-such-model" }));
        Assert.Contains("no-such-model", unknown.Message);
    }

    [Fact]
    public async Task TheEncoderDropsAlphaAndWritesTheSameFileForAnyPixelTypeSyncOrAsync()
    {
        using Image<Rgb24> rgb = Photo<Rgb24>(64, 48);
        using Image<Rgba32> rgba = rgb.CloneAs<Rgba32>();
        rgba.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                foreach (ref Rgba32 p in accessor.GetRowSpan(y))
                {
                    p.A = (byte)y;
                }
            }
        });

        using var fromRgb = new MemoryStream();
        rgb.Save(fromRgb, new NicEncoder());
        using var fromRgba = new MemoryStream();
        await rgba.SaveAsync(fromRgba, new NicEncoder());

        Assert.Equal(fromRgb.ToArray(), fromRgba.ToArray());
    }

    [Fact]
    public void IccExifAndXmpRoundTripByteForByte()
    {
        (byte[] icc, byte[] exif, byte[] xmp) = Profiles();
        using Image<Rgb24> image = Photo<Rgb24>(64, 48);
        image.Metadata.IccProfile = new IccProfile(icc);
        image.Metadata.ExifProfile = new ExifProfile(exif);
        image.Metadata.XmpProfile = new XmpProfile(xmp);
        string path = Path.Combine(_directory, "meta.nic");

        image.Save(path);

        AssertCarried(path);

        using Image loaded = Image.Load(path);
        Assert.Equal(icc, loaded.Metadata.IccProfile!.ToByteArray());
        Assert.Equal(exif, loaded.Metadata.ExifProfile!.ToByteArray());
        Assert.Equal(xmp, loaded.Metadata.XmpProfile!.ToByteArray());

        // A decoded image saved again carries the same bytes.
        string again = Path.Combine(_directory, "again.nic");
        loaded.Save(again);
        AssertCarried(again);

        void AssertCarried(string file)
        {
            NicMetadata carried = NicFile.Read(File.ReadAllBytes(file)).Metadata;
            Assert.Equal(icc, carried.IccProfile);
            Assert.Equal(exif, carried.Exif);
            Assert.Equal(xmp, carried.Xmp);
        }
    }

    [Fact]
    public void IgnoreMetadataDropsTheProfilesOnLoadAndOnSave()
    {
        (byte[] icc, byte[] exif, byte[] xmp) = Profiles();
        using Image<Rgb24> image = Photo<Rgb24>(64, 48);
        image.Metadata.IccProfile = new IccProfile(icc);
        image.Metadata.ExifProfile = new ExifProfile(exif);
        image.Metadata.XmpProfile = new XmpProfile(xmp);
        using var withProfiles = new MemoryStream();
        image.Save(withProfiles, new NicEncoder());
        using var withoutProfiles = new MemoryStream();
        image.Save(withoutProfiles, new NicEncoder { IgnoreMetadata = true });

        Assert.False(NicFile.Read(withProfiles.ToArray()).Metadata.IsEmpty);
        Assert.True(NicFile.Read(withoutProfiles.ToArray()).Metadata.IsEmpty);

        using Image kept = Image.Load(withProfiles.ToArray(), new NicDecoder());
        Assert.NotNull(kept.Metadata.IccProfile);
        using Image ignored = Image.Load(withProfiles.ToArray(), new NicDecoder { IgnoreMetadata = true });
        Assert.Null(ignored.Metadata.IccProfile);
        Assert.Null(ignored.Metadata.ExifProfile);
        Assert.Null(ignored.Metadata.XmpProfile);
        Assert.Equal(NicModelCatalog.DefaultModelName, ignored.Metadata.GetNicFormatMetadata().Model);

        IImageInfo info = new NicDecoder { IgnoreMetadata = true }.Identify(Configuration.Default, new MemoryStream(withProfiles.ToArray()), default);
        Assert.Null(info.Metadata.IccProfile);
        Assert.NotNull(new NicDecoder().Identify(Configuration.Default, new MemoryStream(withProfiles.ToArray()), default).Metadata.XmpProfile);
    }

    [Fact]
    public void KeepMetadataCarriesOnlyTheProfilesChosen()
    {
        (byte[] icc, byte[] exif, byte[] xmp) = Profiles();
        using Image<Rgb24> image = Photo<Rgb24>(64, 48);
        image.Metadata.IccProfile = new IccProfile(icc);
        image.Metadata.ExifProfile = new ExifProfile(exif);
        image.Metadata.XmpProfile = new XmpProfile(xmp);

        using var iccOnly = new MemoryStream();
        image.Save(iccOnly, new NicEncoder { KeepMetadata = NicMetadataItems.IccProfile });
        NicMetadata carried = NicFile.Read(iccOnly.ToArray()).Metadata;
        Assert.Equal(icc, carried.IccProfile);
        Assert.Null(carried.Exif);
        Assert.Null(carried.Xmp);

        using var exifAndXmp = new MemoryStream();
        image.Save(exifAndXmp, new NicEncoder { KeepMetadata = NicMetadataItems.Exif | NicMetadataItems.Xmp });
        Assert.Equal(NicMetadataItems.Exif | NicMetadataItems.Xmp, NicFile.Read(exifAndXmp.ToArray()).Metadata.Items);

        using var ignored = new MemoryStream();
        image.Save(ignored, new NicEncoder { KeepMetadata = NicMetadataItems.All, IgnoreMetadata = true });
        Assert.True(NicFile.Read(ignored.ToArray()).Metadata.IsEmpty);
    }

    [Fact]
    public async Task ACancelledTokenStopsLoadIdentifyAndSave()
    {
        string path = Write("photo.nic", SharedFile.Value);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Image.LoadAsync(path, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Image.LoadAsync<Rgb24>(new MemoryStream(SharedFile.Value), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Image.IdentifyAsync(new MemoryStream(SharedFile.Value), cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new NicDecoder().Decode<Rgb24>(Configuration.Default, new MemoryStream(SharedFile.Value), cancelled.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => new NicDecoder().Identify(Configuration.Default, new MemoryStream(SharedFile.Value), cancelled.Token));

        using Image<Rgb24> image = Photo<Rgb24>(64, 48);
        using var destination = new MemoryStream();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => image.SaveAsync(destination, new NicEncoder(), cancelled.Token));
        Assert.Equal(0, destination.Length);
        string target = Path.Combine(_directory, "cancelled.nic");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => image.SaveAsync(target, cancelled.Token));
        Assert.Equal(0, new FileInfo(target).Length);
    }

    [Fact]
    public void ATokenCancelledWhileDecodingStopsTheDecode()
    {
        // The token is cancelled once the decoder has read the first bytes, so only a decoder that hands the token on
        // to the codec sees it.
        using var source = new CancellationTokenSource();
        using var stream = new CancelOnReadStream(SharedFile.Value, source);

        Assert.ThrowsAny<OperationCanceledException>(() => new NicDecoder().Decode<Rgb24>(Configuration.Default, stream, source.Token));
        Assert.True(stream.ReadCount > 0);
    }

    [Fact]
    public async Task ADamagedFileIsInvalidContentCarryingTheNicErrorCode()
    {
        byte[] flipped = (byte[])SharedFile.Value.Clone();
        flipped[ChunkOffset(flipped, "YBND") + 8 + 3] ^= 0x10;
        byte[] truncated = SharedFile.Value[..^20];

        InvalidImageContentException badChecksum = Assert.Throws<InvalidImageContentException>(() => Image.Load(flipped));
        Assert.Contains(nameof(NicFormatError.BadChecksum), badChecksum.Message);
        Assert.Equal(NicFormatError.BadChecksum, Assert.IsType<NicFormatException>(badChecksum.InnerException).Error);

        InvalidImageContentException cut = await Assert.ThrowsAsync<InvalidImageContentException>(() => Image.LoadAsync<Rgba32>(new MemoryStream(truncated)));
        Assert.Contains(nameof(NicFormatError.Truncated), cut.Message);
        Assert.Equal(nameof(NicFormatError.Truncated), Assert.IsAssignableFrom<NicException>(cut.InnerException).ErrorCode);
    }

    [Fact]
    public void DataThatIsNotNicIsAnUnknownFormat()
    {
        Assert.Throws<UnknownImageFormatException>(() => Image.Load([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        Assert.Throws<UnknownImageFormatException>(() => new NicDecoder().Decode<Rgb24>(Configuration.Default, new MemoryStream(new byte[64]), default));
        Assert.Throws<UnknownImageFormatException>(() => new NicDecoder().Identify(Configuration.Default, new MemoryStream(new byte[64]), default));
    }

    [Fact]
    public void AFileNamingAnUnknownModelIsIdentifiedButNotDecoded()
    {
        NicFile file = NicFile.Read(SharedFile.Value);
        byte[] renamed = new NicFile
        {
            Header = file.Header with { Model = new NicModelId("nic-not-installed-q9", file.Header.Model.Sha256) },
            Metadata = file.Metadata,
            ZSubstream = file.ZSubstream,
            Bands = file.Bands,
        }.ToArray();

        Assert.Equal("nic-not-installed-q9", Image.Identify(renamed).Metadata.GetNicFormatMetadata().Model);
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => Image.Load(renamed));
        Assert.Contains("'nic-not-installed-q9'", e.Message);
        Assert.Contains(nameof(NicCodecError.UnknownModel), e.Message);
        Assert.Equal(NicCodecError.UnknownModel, Assert.IsType<NicCodecException>(e.InnerException).Error);
    }

    [Fact]
    public void TheFormatIsDetectedFromTheSignature()
    {
        string path = Write("no-extension", SharedFile.Value);
        using var png = new MemoryStream();
        using (Image<Rgb24> image = Photo<Rgb24>(8, 8))
        {
            image.SaveAsPng(png);
        }

        Assert.Same(NicFormat.Instance, Image.DetectFormat(path));
        Assert.Same(NicFormat.Instance, Image.DetectFormat(SharedFile.Value));
        Assert.Same(NicFormat.Instance, Image.DetectFormat(new MemoryStream(SharedFile.Value)));
        Assert.Same(PngFormat.Instance, Image.DetectFormat(png.ToArray()));
        Assert.Null(new NicImageFormatDetector().DetectFormat(png.ToArray()));
        Assert.Null(new NicImageFormatDetector().DetectFormat(SharedFile.Value.AsSpan(0, 7)));
        Assert.Same(NicFormat.Instance, Configuration.Default.ImageFormatsManager.FindFormatByFileExtension(".nic"));
        Assert.Same(NicFormat.Instance, Configuration.Default.ImageFormatsManager.FindFormatByMimeType("image/x-nic"));
    }

    [Fact]
    public void AConfigurationWithOnlyTheFormatsNeededRefusesTheOthers()
    {
        var configuration = new Configuration(new NicConfigurationModule(), new PngConfigurationModule());
        using var png = new MemoryStream();
        using var jpeg = new MemoryStream();
        using (Image<Rgb24> image = Photo<Rgb24>(16, 16))
        {
            image.SaveAsPng(png);
            image.SaveAsJpeg(jpeg);
        }

        using Image nic = Image.Load(configuration, SharedFile.Value);
        using Image fromPng = Image.Load(configuration, png.ToArray());

        Assert.Equal(Width, nic.Width);
        Assert.Equal(16, fromPng.Width);
        Assert.Same(JpegFormat.Instance, Image.DetectFormat(jpeg.ToArray()));
        Assert.Throws<UnknownImageFormatException>(() => Image.Load(configuration, jpeg.ToArray()));
    }

    [Fact]
    public void DependencyInjectionGivesAConfigurationThatUsesTheContainersCodec()
    {
        var services = new ServiceCollection();
        services.AddNeuralImageCodec(options => options.BandRows = 1).AddImageSharp();
        using ServiceProvider provider = services.BuildServiceProvider();
        Configuration configuration = provider.GetRequiredService<Configuration>();
        using Image<Rgb24> image = Photo<Rgb24>(64, 80);
        string path = Path.Combine(_directory, "di.nic");

        image.Save(path, configuration.ImageFormatsManager.FindEncoder(NicFormat.Instance));
        using Image loaded = Image.Load(configuration, path);

        Assert.Equal((64, 80), (loaded.Width, loaded.Height));
        NicHeader header = NicFile.Read(File.ReadAllBytes(path)).Header;
        Assert.Equal((1, header.YShape.Height), (header.BandRows, header.BandCount));
        Assert.Same(configuration, provider.GetRequiredService<Configuration>());
        Assert.NotSame(Configuration.Default.ImageFormatsManager, configuration.ImageFormatsManager);
        Assert.Same(PngFormat.Instance, configuration.ImageFormatsManager.FindFormatByFileExtension("png"));

        // The decoder is the container's too: a container without models can identify a file but not decode it.
        var empty = new ServiceCollection();
        empty.AddNeuralImageCodec(options => options.IncludeShippedModels = false).AddImageSharp();
        using ServiceProvider emptyProvider = empty.BuildServiceProvider();
        Configuration withoutModels = emptyProvider.GetRequiredService<Configuration>();
        Assert.Equal(64, Image.Identify(withoutModels, path, out _).Width);
        Assert.Throws<NotSupportedException>(() => Image.Load(withoutModels, path));
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The offset of the first chunk of <paramref name="type"/>, walking the chunks (spec/nic-format.md §5).</summary>
    private static int ChunkOffset(byte[] file, string type)
    {
        int offset = NicConstants.Signature.Length + 2;
        while (offset + 8 <= file.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
            if (Encoding.ASCII.GetString(file, offset + 4, 4) == type)
            {
                return offset;
            }

            offset += 8 + length + 4;
        }

        throw new InvalidOperationException($"no {type} chunk");
    }

    private static (byte[] Icc, byte[] Exif, byte[] Xmp) Profiles()
    {
        byte[] icc = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))];
        byte[] exif = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] xmp = Encoding.UTF8.GetBytes("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>");
        return (icc, exif, xmp);
    }

    private static byte[] RgbBytes(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    private static Image<TPixel> Photo<TPixel>(int width, int height)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)(128 + (60 * Math.Sin((x * 0.3) + (y * 0.2)))));
            }
        }

        return image.CloneAs<TPixel>();
    }

    /// <summary>A stream over bytes that cancels a token source on its first read.</summary>
    private sealed class CancelOnReadStream(byte[] bytes, CancellationTokenSource source) : MemoryStream(bytes)
    {
        public int ReadCount { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Cancel();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            Cancel();
            return base.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Cancel();
            return base.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Cancel();
            return base.ReadAsync(buffer, offset, count, cancellationToken);
        }

        private void Cancel()
        {
            ReadCount++;
            source.Cancel();
        }
    }
}
