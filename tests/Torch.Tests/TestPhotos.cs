using StbImageWriteSharp;

namespace Nic.Torch.Tests;

/// <summary>A temporary photo folder (train/ and validation/) of small synthetic PNG photographs: smooth gradients plus texture.</summary>
internal sealed class TestPhotos : IDisposable
{
    public TestPhotos(int trainCount = 3, int validationCount = 1, int width = 200, int height = 160)
    {
        Root = Path.Combine(Path.GetTempPath(), $"nic-photos-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(Root, "train"));
        Directory.CreateDirectory(Path.Combine(Root, "validation"));
        for (int i = 0; i < trainCount; i++)
        {
            Write(Path.Combine(Root, "train", $"photo{i}.png"), width, height, i);
        }

        for (int i = 0; i < validationCount; i++)
        {
            Write(Path.Combine(Root, "validation", $"held{i}.png"), width, height, 100 + i);
        }
    }

    public string Root { get; }

    /// <summary>The byte at (x, y, channel) of the photo written with <paramref name="seed"/>.</summary>
    public static byte Sample(int x, int y, int channel, int seed) =>
        (byte)Math.Clamp(128 + (80 * Math.Sin((x * (0.05 + (0.01 * channel))) + seed)) + (40 * Math.Cos((y * 0.07) - seed)) + (((x * 7) + (y * 13) + (channel * 5) + seed) % 9), 0, 255);

    public static void Write(string path, int width, int height, int seed)
    {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    rgb[(((y * width) + x) * 3) + c] = Sample(x, y, c, seed);
                }
            }
        }

        using var stream = File.Create(path);
        new ImageWriter().WritePng(rgb, width, height, ColorComponents.RedGreenBlue, stream);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
