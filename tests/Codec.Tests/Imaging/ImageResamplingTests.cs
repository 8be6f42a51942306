using Nic.Codec.Imaging;

namespace Nic.Codec.Tests.Imaging;

public sealed class ImageResamplingTests
{
    [Fact]
    public void EachPixelIsTheRoundedMeanOfItsBlockAndPartialBlocksAreDropped()
    {
        // 5×2 → factor 2 → 2×1; column 4 is dropped. Red of block 0: (0 + 1 + 2 + 4) / 4 = 1.75 → 2.
        var image = new RgbImage(5, 2);
        byte[] red = [0, 1, 10, 20, 99, 2, 4, 30, 41, 99];
        for (int i = 0; i < red.Length; i++)
        {
            image.Pixels[3 * i] = red[i];
            image.Pixels[(3 * i) + 1] = 200;
        }

        RgbImage small = ImageResampling.BoxDownscale(image, 2);

        Assert.Equal((2, 1), (small.Width, small.Height));
        Assert.Equal([2, 200, 0, 25, 200, 0], small.Pixels);
        Assert.Same(image, ImageResampling.BoxDownscale(image, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageResampling.BoxDownscale(image, 3));
    }
}
