using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class PhotoDataTests
{
    [Fact]
    public void PhotosLoadAtEveryFactorWithBoxAveraging()
    {
        using var photos = new TestPhotos(trainCount: 2, width: 200, height: 160);
        PhotoSet set = PhotoSet.Load(Path.Combine(photos.Root, "train"), [1, 2, 3], minimumSide: 1);
        Assert.Equal(6, set.Photos.Count);
        Assert.Equal(["photo0.png", "photo0.png", "photo0.png", "photo1.png", "photo1.png", "photo1.png"], set.Photos.Select(p => p.Name));
        Photo full = set.Photos[0], half = set.Photos[1], third = set.Photos[2];
        Assert.Equal((200, 160), (full.Width, full.Height));
        Assert.Equal((100, 80), (half.Width, half.Height));
        Assert.Equal((66, 53), (third.Width, third.Height));
        Assert.Equal(TestPhotos.Sample(7, 5, 1, 0), full.Rgb[(((5 * 200) + 7) * 3) + 1]);
        for (int c = 0; c < 3; c++)
        {
            int sum = full.Rgb[(((10 * 200) + 20) * 3) + c] + full.Rgb[(((10 * 200) + 21) * 3) + c] + full.Rgb[(((11 * 200) + 20) * 3) + c] + full.Rgb[(((11 * 200) + 21) * 3) + c];
            Assert.Equal((sum + 2) / 4, half.Rgb[(((5 * 100) + 10) * 3) + c]);
        }
    }

    [Fact]
    public void MissingFoldersAndUndecodableFilesAreClearErrors()
    {
        using var photos = new TestPhotos(trainCount: 1);
        Assert.Throws<DirectoryNotFoundException>(() => PhotoSet.Load(Path.Combine(photos.Root, "nowhere")));
        Assert.Throws<InvalidDataException>(() => PhotoSet.Load(Path.Combine(photos.Root, "train"), [1], minimumSide: 1000));
        File.WriteAllBytes(Path.Combine(photos.Root, "train", "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        var error = Assert.Throws<InvalidDataException>(() => PhotoSet.Load(Path.Combine(photos.Root, "train")));
        Assert.Contains("broken.jpg", error.Message);
    }

    [Fact]
    public void CropsAreAFunctionOfSeedAndIndex()
    {
        using var scope = NewDisposeScope();
        using var photos = new TestPhotos(trainCount: 3);
        PhotoSet set = PhotoSet.Load(Path.Combine(photos.Root, "train"), [1, 2]);
        var a = new PhotoCrops(set, batchSize: 4, cropSize: 64, seed: 5);
        var b = new PhotoCrops(PhotoSet.Load(Path.Combine(photos.Root, "train"), [1, 2]), batchSize: 4, cropSize: 64, seed: 5);
        var other = new PhotoCrops(set, batchSize: 4, cropSize: 64, seed: 6);
        using Tensor first = a.Batch(17), again = b.Batch(17), next = a.Batch(18), otherSeed = other.Batch(17);
        Assert.Equal(new long[] { 4, 3, 64, 64 }, first.shape);
        Assert.True(first.eq(again).all().item<bool>());
        Assert.False(first.eq(next).all().item<bool>());
        Assert.False(first.eq(otherSeed).all().item<bool>());
        Assert.InRange(first.min().item<float>(), 0f, 1f);
        Assert.InRange(first.max().item<float>(), 0f, 1f);
    }

    [Fact]
    public void BatchSeedsDoNotDependOnTheProcess()
    {
        // HashCode.Combine would change with every process and break resuming; the mix must be a fixed function.
        Assert.Equal(PhotoCrops.MixSeed(1, 0), PhotoCrops.MixSeed(1, 0));
        Assert.Equal(595_722_552, PhotoCrops.MixSeed(1, 0));
        Assert.NotEqual(PhotoCrops.MixSeed(1, 0), PhotoCrops.MixSeed(1, 1));
        Assert.NotEqual(PhotoCrops.MixSeed(1, 0), PhotoCrops.MixSeed(2, 0));
    }

    [Fact]
    public void CropsCopyPlanarPixelsAndMirror()
    {
        byte[] rgb = new byte[4 * 3 * 3];
        for (int i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)(i * 5);
        }

        var photo = new Photo("p", 1, 4, 3, rgb);
        float[] straight = new float[3 * 4], mirrored = new float[3 * 4];
        photo.CopyCrop(1, 1, 2, flip: false, straight);
        photo.CopyCrop(1, 1, 2, flip: true, mirrored);
        int At(int x, int y, int c) => (((y * 4) + x) * 3) + c;
        Assert.Equal(rgb[At(1, 1, 0)] / 255f, straight[0]);
        Assert.Equal(rgb[At(2, 1, 0)] / 255f, straight[1]);
        Assert.Equal(rgb[At(1, 2, 2)] / 255f, straight[8 + 2]);
        Assert.Equal(straight[1], mirrored[0]);
        Assert.Equal(straight[0], mirrored[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => photo.CopyCrop(3, 0, 2, false, straight));
    }

    [Fact]
    public void CentreCropsGiveOneCropPerLargePhoto()
    {
        using var photos = new TestPhotos(trainCount: 2, width: 200, height: 160);
        PhotoSet set = PhotoSet.Load(Path.Combine(photos.Root, "train"), [1, 2]);
        using Tensor crops = set.CentreCrops(128);
        Assert.Equal(new long[] { 2, 3, 128, 128 }, crops.shape);
        Assert.Equal(TestPhotos.Sample(36, 16, 0, 0) / 255f, crops[0, 0, 0, 0].item<float>());
    }
}
