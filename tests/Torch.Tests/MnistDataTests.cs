using System.Buffers.Binary;
using Nic.Torch.Training;
using static TorchSharp.torch;

namespace Nic.Torch.Tests;

public sealed class MnistDataTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "nic-idx-" + Guid.NewGuid().ToString("N"));

    public MnistDataTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void IdxImagesLoadAsDigitsOverTwoHundredFiftyFive()
    {
        byte[] samples = Enumerable.Range(0, 3 * 784).Select(i => (byte)(i * 7)).ToArray();
        string path = Write("ok", Header(0x00000803, 3, 28, 28), samples);
        using var scope = NewDisposeScope();
        Tensor digits = DigitData.LoadIdxImages(path);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, digits.shape);
        float[] values = digits.data<float>().ToArray();
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i] / 255f, values[i]);
        }
    }

    [Theory]
    [InlineData(0x00000801, 3u, 28u, 28u, 3 * 784, "magic")] // labels, not images
    [InlineData(0x00000803, 3u, 32u, 32u, 3 * 1024, "not 28 × 28")]
    [InlineData(0x00000803, 0u, 28u, 28u, 0, "announces 0 digits")]
    [InlineData(0x00000803, 3u, 28u, 28u, 3 * 784 - 1, "announces 3 digits")] // truncated
    [InlineData(0x00000803, 3u, 28u, 28u, 3 * 784 + 1, "announces 3 digits")] // trailing byte
    [InlineData(0x00000803, 0xFFFFFFFFu, 28u, 28u, 784, "announces 4294967295 digits")] // checked before allocating
    public void MalformedIdxFilesAreRejectedBeforeAllocating(int magic, uint count, uint rows, uint columns, int bodyLength, string message)
    {
        string path = Write("bad", Header(magic, count, rows, columns), new byte[bodyLength]);
        var error = Assert.Throws<InvalidDataException>(() => DigitData.LoadIdxImages(path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileShorterThanTheHeaderIsRejected()
    {
        string path = Write("short", new byte[7], []);
        var error = Assert.Throws<InvalidDataException>(() => DigitData.LoadIdxImages(path));
        Assert.Contains("fewer than an IDX header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMnistReadsTheTrainingAndTestFilesOfTheDataFolder()
    {
        string mnist = Path.Combine(_directory, DigitData.MnistDirectory);
        Directory.CreateDirectory(mnist);
        File.WriteAllBytes(Path.Combine(mnist, DigitData.TrainingImagesFile), [.. Header(0x00000803, 2, 28, 28), .. new byte[2 * 784]]);
        File.WriteAllBytes(Path.Combine(mnist, DigitData.TestImagesFile), [.. Header(0x00000803, 1, 28, 28), .. new byte[784]]);
        (Tensor training, Tensor test) = DigitData.LoadMnist(_directory);
        using (training)
        using (test)
        {
            Assert.Equal(2, training.shape[0]);
            Assert.Equal(1, test.shape[0]);
        }
    }

    [Fact]
    public void TheTutorialRunsByEpochsAndMeasuresRealStrings()
    {
        using Tensor all = MnistTestData.LoadSubset();
        using Tensor training = all.narrow(0, 0, 256);
        using Tensor validation = all.narrow(0, 256, 44);
        var epochs = new List<MnistEpoch>();
        MnistTutorialResult result = MnistTutorial.Run(training, validation, epochs: 2, epochDone: new Collect(epochs), batchSize: 32, seed: 3);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.Equal([8L, 16L], epochs.Select(e => e.Steps));
        Assert.Equal(16, result.Steps);
        Assert.Equal(44, result.Compressed.Count);
        Assert.Equal(44, result.Validation.Count);
        // The strings' mean length is the information content plus a bounded overhead, and the 8-bit
        // reconstructions are no worse than the float ones by more than the rounding.
        Assert.InRange(result.Compressed.BitsPerDigit, result.Compressed.EstimatedBitsPerDigit, result.Compressed.EstimatedBitsPerDigit + 128);
        Assert.InRange(result.Compressed.Mae, 0, result.Validation.Distortion + (0.5 / 255));
        Assert.NotEmpty(result.ModelFile);
    }

    private sealed class Collect(List<MnistEpoch> epochs) : IProgress<MnistEpoch>
    {
        public void Report(MnistEpoch value) => epochs.Add(value);
    }

    private static byte[] Header(int magic, uint count, uint rows, uint columns)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), columns);
        return header;
    }

    private string Write(string name, byte[] header, byte[] body)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, [.. header, .. body]);
        return path;
    }
}
